// hgc_blas: single-precision matrix products for hgc's tfjs kernels, over the system's BLAS.
//
// The BLAS is not linked: its library is opened with dlopen at run time and `cblas_sgemm` is
// looked up by name, so the addon builds on a machine without BLAS headers or libraries and
// only `open()` reports what is missing. The prototype below is the standard CBLAS one.
//
// The products read and write float32 memory the caller owns (the wasm backend's heap) in
// place: every call takes one Float32Array and element offsets into it, checked against its
// length before BLAS is called.

#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <node_api.h>

// CBLAS enums (cblas.h): row-major order, no-transpose and transpose.
enum { CBLAS_ROW_MAJOR = 101 };
enum { CBLAS_NO_TRANS = 111, CBLAS_TRANS = 112 };

typedef void (*sgemm_fn)(int order, int trans_a, int trans_b, int m, int n, int k, float alpha,
                         const float* a, int lda, const float* b, int ldb, float beta, float* c,
                         int ldc);
typedef void (*set_threads_fn)(int n);
typedef int (*get_threads_fn)(void);
typedef char* (*get_config_fn)(void);

static void* blas_handle = NULL;
static sgemm_fn blas_sgemm = NULL;
static set_threads_fn blas_set_threads = NULL;
static get_threads_fn blas_get_threads = NULL;
static char blas_library[1024] = "";

#define CHECK(env, call)                                    \
  do {                                                      \
    if ((call) != napi_ok) {                                \
      napi_throw_error((env), NULL, "hgc_blas: " #call);    \
      return NULL;                                          \
    }                                                       \
  } while (0)

static napi_value throw_type(napi_env env, const char* msg) {
  napi_throw_type_error(env, NULL, msg);
  return NULL;
}

static napi_value make_string(napi_env env, const char* s) {
  napi_value v;
  if (napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &v) != napi_ok) return NULL;
  return v;
}

static int set_prop(napi_env env, napi_value obj, const char* key, napi_value value) {
  return value != NULL && napi_set_named_property(env, obj, key, value) == napi_ok;
}

// open(candidates: string[]) -> { library } | { error }
// Tries each library name or path in order; the first that loads and exports cblas_sgemm wins.
// Once a library is open, later calls return it without trying again.
static napi_value Open(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  napi_value result;
  CHECK(env, napi_create_object(env, &result));
  if (blas_sgemm != NULL) {
    set_prop(env, result, "library", make_string(env, blas_library));
    return result;
  }
  bool is_array = false;
  if (argc < 1 || napi_is_array(env, argv[0], &is_array) != napi_ok || !is_array) {
    return throw_type(env, "open: expected an array of library names");
  }
  uint32_t count = 0;
  CHECK(env, napi_get_array_length(env, argv[0], &count));
  char errors[2048] = "";
  size_t used = 0;
  for (uint32_t i = 0; i < count; i++) {
    napi_value item;
    char name[1024];
    size_t len = 0;
    CHECK(env, napi_get_element(env, argv[0], i, &item));
    if (napi_get_value_string_utf8(env, item, name, sizeof name, &len) != napi_ok) {
      return throw_type(env, "open: library names must be strings");
    }
    void* handle = dlopen(name, RTLD_NOW | RTLD_LOCAL);
    const char* why = NULL;
    if (handle == NULL) {
      why = dlerror();
    } else {
      void* sym = dlsym(handle, "cblas_sgemm");
      if (sym == NULL) {
        why = "no cblas_sgemm";
        dlclose(handle);
      } else {
        blas_handle = handle;
        // A function pointer from dlsym's object pointer: POSIX guarantees this works.
        memcpy(&blas_sgemm, &sym, sizeof blas_sgemm);
        void* st = dlsym(handle, "openblas_set_num_threads");
        void* gt = dlsym(handle, "openblas_get_num_threads");
        if (st != NULL) memcpy(&blas_set_threads, &st, sizeof blas_set_threads);
        if (gt != NULL) memcpy(&blas_get_threads, &gt, sizeof blas_get_threads);
        snprintf(blas_library, sizeof blas_library, "%s", name);
        set_prop(env, result, "library", make_string(env, blas_library));
        return result;
      }
    }
    int n = snprintf(errors + used, sizeof errors - used, "%s%s: %s", used ? "; " : "", name,
                     why ? why : "failed to load");
    if (n > 0) used = (size_t)n + used < sizeof errors ? used + (size_t)n : sizeof errors - 1;
  }
  set_prop(env, result, "error", make_string(env, used ? errors : "no library names given"));
  return result;
}

// setThreads(n) -> the thread count in effect (OpenBLAS only; -1 where the library has no such
// control).
static napi_value SetThreads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t n = 1;
  if (argc < 1 || napi_get_value_int32(env, argv[0], &n) != napi_ok || n < 1) {
    return throw_type(env, "setThreads: expected a positive integer");
  }
  int32_t now = -1;
  if (blas_set_threads != NULL) blas_set_threads(n);
  if (blas_get_threads != NULL) now = blas_get_threads();
  napi_value v;
  CHECK(env, napi_create_int32(env, now, &v));
  return v;
}

static int get_int(napi_env env, napi_value v, int32_t* out) {
  return napi_get_value_int32(env, v, out) == napi_ok;
}

static int get_bool(napi_env env, napi_value v, bool* out) {
  return napi_get_value_bool(env, v, out) == napi_ok;
}

// A Float32Array's data and length, or an Int32Array's.
static int get_typed(napi_env env, napi_value v, napi_typedarray_type want, void** data,
                     size_t* length) {
  bool is_typed = false;
  if (napi_is_typedarray(env, v, &is_typed) != napi_ok || !is_typed) return 0;
  napi_typedarray_type type;
  napi_value buffer;
  size_t offset;
  if (napi_get_typedarray_info(env, v, &type, length, data, &buffer, &offset) != napi_ok) return 0;
  return type == want;
}

// sgemm(heap, transA, transB, m, n, k, aOffsets, bOffsets, cOffset)
//
// For each i < aOffsets.length: C_i = op(A_i) · op(B_i), all row-major in `heap` (a
// Float32Array), where A_i starts at element aOffsets[i] (m×k, or k×m stored when transA),
// B_i at bOffsets[i] (k×n, or n×k when transB), and C_i at cOffset + i·m·n. Offsets are in
// elements. Every block is checked to lie inside the heap.
static napi_value Sgemm(napi_env env, napi_callback_info info) {
  size_t argc = 9;
  napi_value argv[9];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 9) return throw_type(env, "sgemm: expected 9 arguments");
  if (blas_sgemm == NULL) {
    napi_throw_error(env, NULL, "sgemm: no BLAS library is open");
    return NULL;
  }
  float* heap = NULL;
  size_t heap_len = 0;
  bool ta = false, tb = false;
  int32_t m = 0, n = 0, k = 0, c_off = 0;
  int32_t *a_offs = NULL, *b_offs = NULL;
  size_t a_count = 0, b_count = 0;
  if (!get_typed(env, argv[0], napi_float32_array, (void**)&heap, &heap_len))
    return throw_type(env, "sgemm: heap must be a Float32Array");
  if (!get_bool(env, argv[1], &ta) || !get_bool(env, argv[2], &tb))
    return throw_type(env, "sgemm: transA and transB must be booleans");
  if (!get_int(env, argv[3], &m) || !get_int(env, argv[4], &n) || !get_int(env, argv[5], &k) ||
      m < 0 || n < 0 || k < 0)
    return throw_type(env, "sgemm: m, n and k must be non-negative integers");
  if (!get_typed(env, argv[6], napi_int32_array, (void**)&a_offs, &a_count) ||
      !get_typed(env, argv[7], napi_int32_array, (void**)&b_offs, &b_count) ||
      a_count != b_count)
    return throw_type(env, "sgemm: aOffsets and bOffsets must be Int32Arrays of one length");
  if (!get_int(env, argv[8], &c_off) || c_off < 0)
    return throw_type(env, "sgemm: cOffset must be a non-negative integer");

  const uint64_t a_size = (uint64_t)m * (uint64_t)k;
  const uint64_t b_size = (uint64_t)k * (uint64_t)n;
  const uint64_t c_size = (uint64_t)m * (uint64_t)n;
  if ((uint64_t)c_off + c_size * a_count > heap_len) {
    napi_throw_range_error(env, NULL, "sgemm: the output lies outside the heap");
    return NULL;
  }
  for (size_t i = 0; i < a_count; i++) {
    if (a_offs[i] < 0 || (uint64_t)a_offs[i] + a_size > heap_len || b_offs[i] < 0 ||
        (uint64_t)b_offs[i] + b_size > heap_len) {
      napi_throw_range_error(env, NULL, "sgemm: an operand lies outside the heap");
      return NULL;
    }
  }
  if (c_size == 0) return NULL;
  const int lda = ta ? m : k;
  const int ldb = tb ? k : n;
  for (size_t i = 0; i < a_count; i++) {
    float* c = heap + c_off + c_size * i;
    if (k == 0) {
      memset(c, 0, c_size * sizeof(float));
      continue;
    }
    blas_sgemm(CBLAS_ROW_MAJOR, ta ? CBLAS_TRANS : CBLAS_NO_TRANS, tb ? CBLAS_TRANS : CBLAS_NO_TRANS,
               m, n, k, 1.0f, heap + a_offs[i], lda > 0 ? lda : 1, heap + b_offs[i],
               ldb > 0 ? ldb : 1, 0.0f, c, n > 0 ? n : 1);
  }
  return NULL;
}

static napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"open", NULL, Open, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setThreads", NULL, SetThreads, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sgemm", NULL, Sgemm, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok)
    return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
