// hgc_blas: single-precision kernels for hgc's tfjs wasm backend: matrix products (the system's
// BLAS where one loads, else the built-in GEMM of hgc_gemm.c), the fused attention of
// hgc_attention.c, and the few elementwise, reduction and copy kernels the wasm backend runs
// slowly. Large products and the attention run on the thread pool of hgc_pool.c.
//
// The BLAS is not linked: its library is opened with dlopen at run time and `cblas_sgemm` is
// looked up by name, so the addon builds on a machine without BLAS headers or libraries; where
// none loads, `open()` reports why and the built-in GEMM serves. The prototype below is the
// standard CBLAS one.
//
// The products read and write float32 memory the caller owns (the wasm backend's heap) in
// place: every call takes one Float32Array and element offsets into it, checked against its
// length before BLAS is called.

#include <dlfcn.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <node_api.h>

#include "hgc_native.h"

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
// OpenBLAS's kernel family for this CPU (e.g. "Haswell", "SkylakeX"); empty for other BLAS.
static char blas_core[64] = "";

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

// open(candidates: string[]) -> { library, core? } | { error }
// Tries each library name or path in order; the first that loads and exports cblas_sgemm wins.
// Once a library is open, later calls return it without trying again. Without one, sgemm runs
// the built-in GEMM (gemmInfo() names its micro-kernels).
static napi_value Open(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  napi_value result;
  CHECK(env, napi_create_object(env, &result));
  if (blas_sgemm != NULL) {
    set_prop(env, result, "library", make_string(env, blas_library));
    if (blas_core[0]) set_prop(env, result, "core", make_string(env, blas_core));
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
        // One OpenBLAS thread: large products are split across hgc's own pool instead.
        if (blas_set_threads != NULL) blas_set_threads(1);
        snprintf(blas_library, sizeof blas_library, "%s", name);
        void* cn = dlsym(handle, "openblas_get_corename");
        if (cn != NULL) {
          get_config_fn corename;
          memcpy(&corename, &cn, sizeof corename);
          snprintf(blas_core, sizeof blas_core, "%s", corename());
        }
        set_prop(env, result, "library", make_string(env, blas_library));
        if (blas_core[0]) set_prop(env, result, "core", make_string(env, blas_core));
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

// Products of at least this many multiply-adds are split across the pool's threads: below it,
// waking the second thread costs more than it saves (set by setThreads; measured in
// docs/performance.md).
static double par_min_work = 1 << 20;

// Which engine runs a product: the open BLAS library for products with an inner dimension of at
// least blas_min_k, the built-in GEMM for the rest (and for all where no library is open, or
// blas_min_k is infinite). Set by setGemmPolicy; docs/performance.md has the measurements.
static double blas_min_k = 0;
static int use_blas_for(int m, int n, int k) {
  (void)m;
  (void)n;
  return blas_sgemm != NULL && (double)k >= blas_min_k;
}

typedef struct {
  float* heap;
  bool ta, tb;
  int m, n, k;
  const int32_t* a_offs;
  const int32_t* b_offs;
  int32_t c_off;
  int count;
  int blas;
} gemm_task;

static void one_product(const gemm_task* t, const float* a, const float* b, float* c, int m) {
  const int lda = t->ta ? t->m : t->k, ldb = t->tb ? t->k : t->n;
  if (t->k == 0) {
    memset(c, 0, (size_t)m * (size_t)t->n * sizeof(float));
  } else if (t->blas) {
    blas_sgemm(CBLAS_ROW_MAJOR, t->ta ? CBLAS_TRANS : CBLAS_NO_TRANS, t->tb ? CBLAS_TRANS : CBLAS_NO_TRANS, m, t->n, t->k, 1.0f, a,
               lda > 0 ? lda : 1, b, ldb > 0 ? ldb : 1, 0.0f, c, t->n > 0 ? t->n : 1);
  } else {
    hgc_gemm(t->ta, t->tb, m, t->n, t->k, 1.0f, a, lda, b, ldb, c, t->n);
  }
}

static void gemm_part(void* arg, int part, int parts) {
  const gemm_task* t = arg;
  const int64_t c_size = (int64_t)t->m * t->n;
  if (t->count >= 2 || parts == 1) {
    const int begin = (int)((int64_t)t->count * part / parts), end = (int)((int64_t)t->count * (part + 1) / parts);
    for (int i = begin; i < end; i++) one_product(t, t->heap + t->a_offs[i], t->heap + t->b_offs[i], t->heap + t->c_off + c_size * i, t->m);
    return;
  }
  // One product split by rows of C, in multiples of 16 rows (whole register tiles).
  const int blocks = (t->m + 15) / 16;
  const int r0 = (int)((int64_t)blocks * part / parts) * 16, r1 = part + 1 == parts ? t->m : (int)((int64_t)blocks * (part + 1) / parts) * 16;
  if (r1 <= r0) return;
  const float* a = t->heap + t->a_offs[0] + (t->ta ? r0 : (int64_t)r0 * t->k);
  one_product(t, a, t->heap + t->b_offs[0], t->heap + t->c_off + (int64_t)r0 * t->n, r1 - r0);
}

// sgemm(heap, transA, transB, m, n, k, aOffsets, bOffsets, cOffset)
//
// For each i < aOffsets.length: C_i = op(A_i) · op(B_i), all row-major in `heap` (a
// Float32Array), where A_i starts at element aOffsets[i] (m×k, or k×m stored when transA),
// B_i at bOffsets[i] (k×n, or n×k when transB), and C_i at cOffset + i·m·n. Offsets are in
// elements. Every block is checked to lie inside the heap. Runs on OpenBLAS or the built-in GEMM
// (see use_blas_for), on the pool's threads when the product is large enough.
static napi_value Sgemm(napi_env env, napi_callback_info info) {
  size_t argc = 9;
  napi_value argv[9];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 9) return throw_type(env, "sgemm: expected 9 arguments");
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
  if (c_size == 0 || a_count == 0) return NULL;
  gemm_task t = {heap, ta, tb, m, n, k, a_offs, b_offs, c_off, (int)a_count, use_blas_for(m, n, k)};
  const double work = (double)a_count * (double)c_size * (double)k;
  // Split a batch by matrices, a single product by rows (each part packs its own operands).
  const int splittable = a_count >= 2 || m >= 32;
  hgc_pool_run(gemm_part, &t, splittable && work >= par_min_work ? hgc_pool_threads() : 1);
  return NULL;
}

// ---- elementwise, reduction and copy kernels -------------------------------------------------
//
// Plain loops the compiler vectorizes (-O3). Each takes the heap and element offsets, checked
// against the heap's length before any memory is touched.

// Reads `count` int32 arguments starting at argv[first] into out; 0 if any is not a number.
static int get_ints(napi_env env, napi_value* argv, size_t first, size_t count, int64_t* out) {
  for (size_t i = 0; i < count; i++) {
    int32_t v;
    if (napi_get_value_int32(env, argv[first + i], &v) != napi_ok) return 0;
    out[i] = v;
  }
  return 1;
}

// True when [off, off + len) lies inside a heap of heap_len elements.
static int inside(int64_t off, int64_t len, size_t heap_len) {
  return off >= 0 && len >= 0 && (uint64_t)(off + len) <= heap_len;
}

static napi_value range_error(napi_env env, const char* msg) {
  napi_throw_range_error(env, NULL, msg);
  return NULL;
}

// tanh as a rational function of x (Eigen's float approximation, the form XLA and TensorFlow use
// on CPU): within a few float32 ulps of tanh, and vectorizable, unlike libm's tanhf.
static inline float tanh_rational(float x) {
  const float clamp = 7.90531110763549805f;  // tanh(x) rounds to ±1 in float32 beyond this
  // Written as selects (no fminf/fmaxf, no early return) so the loop vectorizes; NaN falls
  // through both comparisons and comes out NaN.
  float xc = x > clamp ? clamp : x;
  xc = xc < -clamp ? -clamp : xc;
  const float x2 = xc * xc;
  float p = -2.76076847742355e-16f;
  p = p * x2 + 2.00018790482477e-13f;
  p = p * x2 + -8.60467152213735e-11f;
  p = p * x2 + 5.12229709037114e-08f;
  p = p * x2 + 1.48572235717979e-05f;
  p = p * x2 + 6.37261928875436e-04f;
  p = p * x2 + 4.89352455891786e-03f;
  p = p * xc;
  float q = 1.19825839466702e-06f;
  q = q * x2 + 1.18534705686654e-04f;
  q = q * x2 + 2.26843463243900e-03f;
  q = q * x2 + 4.89352518554385e-03f;
  const float y = p / q;
  // Tiny inputs: tanh(x) = x to float precision (and -0 stays -0).
  const float ax = x < 0 ? -x : x;
  return ax < 0.0004f ? x : y;
}

#define GELU_C 0.7978845608028654f  // √(2/π)
#define GELU_A 0.044715f

// The hot elementwise loops, compiled for the baseline and, on x86-64 with GCC or clang, again
// for AVX2, picked once per process by what the CPU supports. No FMA contraction in either (ISO
// C mode), so both round alike.
#define HGC_LOOPS(SUFFIX, ATTR)                                                               \
  ATTR static void tanh_loop_##SUFFIX(const float* restrict in, float* restrict out, int64_t n) { \
    for (int64_t i = 0; i < n; i++) out[i] = tanh_rational(in[i]);                             \
  }                                                                                            \
  ATTR static void gelu_loop_##SUFFIX(const float* restrict in, float* restrict out, int64_t n) { \
    for (int64_t i = 0; i < n; i++) {                                                          \
      const float v = in[i];                                                                   \
      const float t = tanh_rational((v + GELU_A * (v * v * v)) * GELU_C);                      \
      out[i] = (v * 0.5f) * (t + 1.0f);                                                        \
    }                                                                                          \
  }                                                                                            \
  ATTR static void gelu_grad_loop_##SUFFIX(const float* restrict xs, const float* restrict g,  \
                                           float* restrict out, int64_t n) {                   \
    for (int64_t i = 0; i < n; i++) {                                                          \
      const float v = xs[i];                                                                   \
      const float v2 = v * v;                                                                  \
      const float t = tanh_rational((v + GELU_A * (v2 * v)) * GELU_C);                         \
      const float d = 0.5f * (1.0f + t) + 0.5f * v * (1.0f - t * t) * GELU_C * (1.0f + 3.0f * GELU_A * v2); \
      out[i] = g[i] * d;                                                                       \
    }                                                                                          \
  }

HGC_LOOPS(base, )
#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
HGC_LOOPS(avx2, __attribute__((target("avx2,fma"))))
#define DISPATCH(NAME, ...) (hgc_cpu_avx2() ? NAME##_avx2(__VA_ARGS__) : NAME##_base(__VA_ARGS__))
#else
#define DISPATCH(NAME, ...) NAME##_base(__VA_ARGS__)
#endif

// tanh(heap, x, y, n): y[i] = tanh(x[i]).
static napi_value Tanh(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  float* heap;
  size_t heap_len;
  int64_t a[3];
  if (argc < 4 || !get_typed(env, argv[0], napi_float32_array, (void**)&heap, &heap_len) || !get_ints(env, argv, 1, 3, a))
    return throw_type(env, "tanh(heap, x, y, n)");
  const int64_t x = a[0], y = a[1], n = a[2];
  if (!inside(x, n, heap_len) || !inside(y, n, heap_len)) return range_error(env, "tanh: outside the heap");
  if (x < y + n && y < x + n) {
    for (int64_t i = 0; i < n; i++) heap[y + i] = tanh_rational(heap[x + i]);
  } else {
    DISPATCH(tanh_loop, heap + x, heap + y, n);
  }
  return NULL;
}

// sum(heap, x, y, outer, reduce, inner): y[o, i] = Σ_r x[o, r, i] (x is [outer, reduce, inner]).
static napi_value Sum(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  float* heap;
  size_t heap_len;
  int64_t a[5];
  if (argc < 6 || !get_typed(env, argv[0], napi_float32_array, (void**)&heap, &heap_len) || !get_ints(env, argv, 1, 5, a))
    return throw_type(env, "sum(heap, x, y, outer, reduce, inner)");
  const int64_t x = a[0], y = a[1], outer = a[2], reduce = a[3], inner = a[4];
  if (outer < 0 || reduce < 0 || inner < 0 || !inside(x, outer * reduce * inner, heap_len) || !inside(y, outer * inner, heap_len))
    return range_error(env, "sum: outside the heap");
  for (int64_t o = 0; o < outer; o++) {
    const float* restrict src = heap + x + o * reduce * inner;
    float* restrict dst = heap + y + o * inner;
    if (inner == 1) {
      // A row sum: eight partial sums (vectorizable without reassociating a single chain).
      float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
      int64_t r = 0;
      for (; r + 8 <= reduce; r += 8)
        for (int j = 0; j < 8; j++) acc[j] += src[r + j];
      float total = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
      for (; r < reduce; r++) total += src[r];
      dst[0] = total;
    } else {
      // Column sums: accumulate whole rows into the output row.
      for (int64_t i = 0; i < inner; i++) dst[i] = 0.0f;
      for (int64_t r = 0; r < reduce; r++) {
        const float* restrict row = src + r * inner;
        for (int64_t i = 0; i < inner; i++) dst[i] += row[i];
      }
    }
  }
  return NULL;
}

// copyBlocks(heap, src, srcStride, dst, dstStride, block, count): count blocks of `block`
// elements, the i-th from src + i·srcStride to dst + i·dstStride (slices, splits, concats).
static napi_value CopyBlocks(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  float* heap;
  size_t heap_len;
  int64_t a[6];
  if (argc < 7 || !get_typed(env, argv[0], napi_float32_array, (void**)&heap, &heap_len) || !get_ints(env, argv, 1, 6, a))
    return throw_type(env, "copyBlocks(heap, src, srcStride, dst, dstStride, block, count)");
  const int64_t src = a[0], ss = a[1], dst = a[2], ds = a[3], block = a[4], count = a[5];
  if (count <= 0 || block <= 0) return NULL;
  if (ss < 0 || ds < 0 || !inside(src, (count - 1) * ss + block, heap_len) || !inside(dst, (count - 1) * ds + block, heap_len))
    return range_error(env, "copyBlocks: outside the heap");
  for (int64_t i = 0; i < count; i++) memmove(heap + dst + i * ds, heap + src + i * ss, (size_t)block * sizeof(float));
  return NULL;
}

// transpose(heap, x, y, shape: Int32Array, perm: Int32Array): y = x with axes permuted, rank ≤ 8.
// y's axis j is x's axis perm[j]; the innermost output axis is walked with x's stride.
static napi_value Transpose(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  float* heap;
  size_t heap_len;
  int64_t a[2];
  int32_t *shape, *perm;
  size_t rank, prank;
  if (argc < 5 || !get_typed(env, argv[0], napi_float32_array, (void**)&heap, &heap_len) || !get_ints(env, argv, 1, 2, a) ||
      !get_typed(env, argv[3], napi_int32_array, (void**)&shape, &rank) || !get_typed(env, argv[4], napi_int32_array, (void**)&perm, &prank) ||
      rank != prank || rank < 1 || rank > 8)
    return throw_type(env, "transpose(heap, x, y, shape, perm)");
  int64_t size = 1, xstride[8], ostride[8], odim[8];
  for (size_t j = rank; j-- > 0;) {
    if (shape[j] < 0) return throw_type(env, "transpose: negative dimension");
    xstride[j] = size;
    size *= shape[j];
  }
  int seen[8] = {0};
  for (size_t j = 0; j < rank; j++) {
    if (perm[j] < 0 || (size_t)perm[j] >= rank || seen[perm[j]]) return throw_type(env, "transpose: perm is not a permutation");
    seen[perm[j]] = 1;
    odim[j] = shape[perm[j]];
    ostride[j] = xstride[perm[j]];
  }
  const int64_t x = a[0], y = a[1];
  if (!inside(x, size, heap_len) || !inside(y, size, heap_len)) return range_error(env, "transpose: outside the heap");
  if (size == 0) return NULL;
  const float* restrict in = heap + x;
  float* restrict out = heap + y;
  // A batch of 2-D transposes ([b, r, c] -> [b, c, r], what is left of most permutations once
  // the caller merges axes that stay together): in square tiles, so reads and writes both stay
  // within a few cache lines.
  int batched_2d = rank >= 2 && perm[rank - 1] == (int32_t)rank - 2 && perm[rank - 2] == (int32_t)rank - 1;
  for (size_t j = 0; j + 2 < rank && batched_2d; j++) batched_2d = perm[j] == (int32_t)j;
  if (batched_2d) {
    const int64_t r = shape[rank - 2], c = shape[rank - 1], batch = size / (r * c);
    enum { TILE = 16 };
    for (int64_t t = 0; t < batch; t++) {
      const float* restrict src = in + t * r * c;
      float* restrict dst = out + t * r * c;
      for (int64_t r0 = 0; r0 < r; r0 += TILE) {
        const int64_t r1 = r0 + TILE < r ? r0 + TILE : r;
        for (int64_t c0 = 0; c0 < c; c0 += TILE) {
          const int64_t c1 = c0 + TILE < c ? c0 + TILE : c;
          for (int64_t i = c0; i < c1; i++)
            for (int64_t k = r0; k < r1; k++) dst[i * r + k] = src[k * c + i];
        }
      }
    }
    return NULL;
  }
  const int64_t last = odim[rank - 1], step = ostride[rank - 1];
  int64_t idx[8] = {0};
  int64_t base = 0;
  for (int64_t o = 0; o < size; o += last) {
    const float* restrict row = in + base;
    if (step == 1) {
      memcpy(out + o, row, (size_t)last * sizeof(float));
    } else {
      for (int64_t i = 0; i < last; i++) out[o + i] = row[i * step];
    }
    // Advance the outer output index (all axes but the last), odometer style.
    for (size_t j = rank - 1; j-- > 0;) {
      idx[j]++;
      base += ostride[j];
      if (idx[j] < odim[j]) break;
      base -= idx[j] * ostride[j];
      idx[j] = 0;
    }
  }
  return NULL;
}

// binary(op, heap, a, b, y, rows, cols, aRow, aCol, bRow, bCol): y[r, c] = a[r·aRow + c·aCol] op
// b[r·bRow + c·bCol] for a [rows, cols] output; a stride of 0 broadcasts. op: 0 add, 1 sub,
// 2 mul, 3 div.
static napi_value Binary(napi_env env, napi_callback_info info) {
  size_t argc = 11;
  napi_value argv[11];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  float* heap;
  size_t heap_len;
  int32_t op;
  int64_t a[9];
  if (argc < 11 || napi_get_value_int32(env, argv[0], &op) != napi_ok || op < 0 || op > 3 ||
      !get_typed(env, argv[1], napi_float32_array, (void**)&heap, &heap_len) || !get_ints(env, argv, 2, 9, a))
    return throw_type(env, "binary(op, heap, a, b, y, rows, cols, aRow, aCol, bRow, bCol)");
  const int64_t ao = a[0], bo = a[1], yo = a[2], rows = a[3], cols = a[4], ar = a[5], ac = a[6], br = a[7], bc = a[8];
  if (rows <= 0 || cols <= 0) return NULL;
  if (ar < 0 || ac < 0 || br < 0 || bc < 0 || !inside(ao, (rows - 1) * ar + (cols - 1) * ac + 1, heap_len) ||
      !inside(bo, (rows - 1) * br + (cols - 1) * bc + 1, heap_len) || !inside(yo, rows * cols, heap_len))
    return range_error(env, "binary: outside the heap");
  for (int64_t r = 0; r < rows; r++) {
    const float* pa = heap + ao + r * ar;
    const float* pb = heap + bo + r * br;
    float* py = heap + yo + r * cols;
#define LOOP(EXPR)                                                                  \
  if (ac == 1 && bc == 1) {                                                         \
    for (int64_t c = 0; c < cols; c++) { float x = pa[c], z = pb[c]; py[c] = EXPR; } \
  } else if (ac == 1 && bc == 0) {                                                  \
    const float z = pb[0];                                                          \
    for (int64_t c = 0; c < cols; c++) { float x = pa[c]; py[c] = EXPR; }           \
  } else if (ac == 0 && bc == 1) {                                                  \
    const float x = pa[0];                                                          \
    for (int64_t c = 0; c < cols; c++) { float z = pb[c]; py[c] = EXPR; }           \
  } else {                                                                          \
    for (int64_t c = 0; c < cols; c++) { float x = pa[c * ac], z = pb[c * bc]; py[c] = EXPR; } \
  }
    switch (op) {
      case 0: LOOP(x + z); break;
      case 1: LOOP(x - z); break;
      case 2: LOOP(x * z); break;
      default: LOOP(x / z); break;
    }
#undef LOOP
  }
  return NULL;
}

// ---- fused GELU and LayerNorm (forward and gradient) --------------------------------------------
//
// One pass over the data where the composite tf ops make ten (forward) to twenty (gradient).


// gelu(heap, x, y, n): y = 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
static napi_value Gelu(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  float* heap;
  size_t heap_len;
  int64_t a[3];
  if (argc < 4 || !get_typed(env, argv[0], napi_float32_array, (void**)&heap, &heap_len) || !get_ints(env, argv, 1, 3, a))
    return throw_type(env, "gelu(heap, x, y, n)");
  const int64_t x = a[0], y = a[1], n = a[2];
  if (!inside(x, n, heap_len) || !inside(y, n, heap_len) || (x < y + n && y < x + n)) return range_error(env, "gelu: outside the heap or overlapping");
  DISPATCH(gelu_loop, heap + x, heap + y, n);
  return NULL;
}

// geluGrad(heap, x, dy, dx, n): dx = dy · gelu'(x),
// gelu'(x) = 0.5·(1 + t) + 0.5·x·(1 − t²)·√(2/π)·(1 + 3·0.044715·x²).
static napi_value GeluGrad(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  float* heap;
  size_t heap_len;
  int64_t a[4];
  if (argc < 5 || !get_typed(env, argv[0], napi_float32_array, (void**)&heap, &heap_len) || !get_ints(env, argv, 1, 4, a))
    return throw_type(env, "geluGrad(heap, x, dy, dx, n)");
  const int64_t x = a[0], dy = a[1], dx = a[2], n = a[3];
  if (!inside(x, n, heap_len) || !inside(dy, n, heap_len) || !inside(dx, n, heap_len) || (x < dx + n && dx < x + n) || (dy < dx + n && dx < dy + n))
    return range_error(env, "geluGrad: outside the heap or overlapping");
  DISPATCH(gelu_grad_loop, heap + x, heap + dy, heap + dx, n);
  return NULL;
}

// layerNorm(heap, x, g, b, y, mean, rstd, rows, cols, eps): per row of x [rows, cols],
// y = (x − mean)·rstd·g + b with rstd = 1/√(var + eps) (biased variance); mean and rstd [rows]
// are kept for the gradient. Row statistics accumulate in double.
static napi_value LayerNorm(napi_env env, napi_callback_info info) {
  size_t argc = 10;
  napi_value argv[10];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  float* heap;
  size_t heap_len;
  int64_t a[8];
  double eps;
  if (argc < 10 || !get_typed(env, argv[0], napi_float32_array, (void**)&heap, &heap_len) || !get_ints(env, argv, 1, 8, a) ||
      napi_get_value_double(env, argv[9], &eps) != napi_ok)
    return throw_type(env, "layerNorm(heap, x, g, b, y, mean, rstd, rows, cols, eps)");
  const int64_t x = a[0], g = a[1], b = a[2], y = a[3], mo = a[4], ro = a[5], rows = a[6], cols = a[7];
  if (rows < 0 || cols <= 0 || !inside(x, rows * cols, heap_len) || !inside(y, rows * cols, heap_len) || !inside(g, cols, heap_len) ||
      !inside(b, cols, heap_len) || !inside(mo, rows, heap_len) || !inside(ro, rows, heap_len))
    return range_error(env, "layerNorm: outside the heap");
  for (int64_t r = 0; r < rows; r++) {
    const float* restrict xr = heap + x + r * cols;
    float* restrict yr = heap + y + r * cols;
    double s = 0;
    for (int64_t c = 0; c < cols; c++) s += xr[c];
    const float mean = (float)(s / (double)cols);
    double v = 0;
    for (int64_t c = 0; c < cols; c++) {
      const float d = xr[c] - mean;
      v += (double)d * (double)d;
    }
    const float var = (float)(v / (double)cols);
    const float rstd = 1.0f / sqrtf(var + (float)eps);
    const float* restrict gg = heap + g;
    const float* restrict bb = heap + b;
    for (int64_t c = 0; c < cols; c++) yr[c] = ((xr[c] - mean) * rstd) * gg[c] + bb[c];
    heap[mo + r] = mean;
    heap[ro + r] = rstd;
  }
  return NULL;
}

// layerNormGrad(heap, dy, x, g, mean, rstd, dx, dg, db, rows, cols): with x̂ = (x − mean)·rstd
// and d̂ = dy·g, dx = rstd·(d̂ − mean(d̂) − x̂·mean(d̂·x̂)) per row; dg = Σ_rows dy·x̂; db = Σ_rows dy.
static napi_value LayerNormGrad(napi_env env, napi_callback_info info) {
  size_t argc = 11;
  napi_value argv[11];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  float* heap;
  size_t heap_len;
  int64_t a[10];
  if (argc < 11 || !get_typed(env, argv[0], napi_float32_array, (void**)&heap, &heap_len) || !get_ints(env, argv, 1, 10, a))
    return throw_type(env, "layerNormGrad(heap, dy, x, g, mean, rstd, dx, dg, db, rows, cols)");
  const int64_t dy = a[0], x = a[1], g = a[2], mo = a[3], ro = a[4], dx = a[5], dg = a[6], db = a[7], rows = a[8], cols = a[9];
  if (rows < 0 || cols <= 0 || !inside(dy, rows * cols, heap_len) || !inside(x, rows * cols, heap_len) || !inside(dx, rows * cols, heap_len) ||
      !inside(g, cols, heap_len) || !inside(mo, rows, heap_len) || !inside(ro, rows, heap_len) || !inside(dg, cols, heap_len) || !inside(db, cols, heap_len))
    return range_error(env, "layerNormGrad: outside the heap");
  float* restrict dgs = heap + dg;
  float* restrict dbs = heap + db;
  const float* restrict gg = heap + g;
  for (int64_t c = 0; c < cols; c++) dgs[c] = dbs[c] = 0.0f;
  for (int64_t r = 0; r < rows; r++) {
    const float* restrict dyr = heap + dy + r * cols;
    const float* restrict xr = heap + x + r * cols;
    float* restrict dxr = heap + dx + r * cols;
    const float mean = heap[mo + r], rstd = heap[ro + r];
    double s1 = 0, s2 = 0;
    for (int64_t c = 0; c < cols; c++) {
      const float xh = (xr[c] - mean) * rstd;
      const float dh = dyr[c] * gg[c];
      s1 += dh;
      s2 += (double)dh * (double)xh;
      dgs[c] += dyr[c] * xh;
      dbs[c] += dyr[c];
    }
    const float m1 = (float)(s1 / (double)cols), m2 = (float)(s2 / (double)cols);
    for (int64_t c = 0; c < cols; c++) {
      const float xh = (xr[c] - mean) * rstd;
      dxr[c] = rstd * ((dyr[c] * gg[c] - m1) - xh * m2);
    }
  }
  return NULL;
}

// ---- engine settings, fused attention ------------------------------------------------------------

// setThreads(n, parMinWork) -> the threads in effect: products of at least parMinWork
// multiply-adds, and the attention, run on n threads (the caller included).
static napi_value SetThreads(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t n = 1;
  double min_work = 0;
  if (argc < 2 || napi_get_value_int32(env, argv[0], &n) != napi_ok || n < 1 || napi_get_value_double(env, argv[1], &min_work) != napi_ok)
    return throw_type(env, "setThreads(n, parMinWork): expected a positive integer and a number");
  par_min_work = min_work;
  napi_value v;
  CHECK(env, napi_create_int32(env, hgc_pool_set_threads(n), &v));
  return v;
}

// setGemmPolicy(isa, blasMinK) -> true when the built-in GEMM's micro-kernels are now `isa`
// ("AVX-512", "AVX2", "portable" or "best"); products with an inner dimension of at least blasMinK
// go to the open BLAS library, if any (Infinity: none).
static napi_value SetGemmPolicy(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char isa[32];
  size_t len = 0;
  double min_work = 0;
  if (argc < 2 || napi_get_value_string_utf8(env, argv[0], isa, sizeof isa, &len) != napi_ok || napi_get_value_double(env, argv[1], &min_work) != napi_ok)
    return throw_type(env, "setGemmPolicy(isa, blasMinK)");
  blas_min_k = min_work;
  napi_value v;
  CHECK(env, napi_get_boolean(env, hgc_gemm_set_isa(isa), &v));
  return v;
}

// gemmInfo() -> { isa, threads, blas }: the built-in GEMM's micro-kernels, the pool's threads and
// whether a BLAS library is open.
static napi_value GemmInfo(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result, threads, blas;
  CHECK(env, napi_create_object(env, &result));
  CHECK(env, napi_create_int32(env, hgc_pool_threads(), &threads));
  CHECK(env, napi_get_boolean(env, blas_sgemm != NULL, &blas));
  set_prop(env, result, "isa", make_string(env, hgc_gemm_isa()));
  set_prop(env, result, "threads", threads);
  set_prop(env, result, "blas", blas);
  return result;
}

// attention(heap, qkv, y, p, n, T, H, dh, causal): see hgc_attention in hgc_native.h.
static napi_value Attention(napi_env env, napi_callback_info info) {
  size_t argc = 9;
  napi_value argv[9];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  float* heap;
  size_t heap_len;
  int64_t a[8];
  if (argc < 9 || !get_typed(env, argv[0], napi_float32_array, (void**)&heap, &heap_len) || !get_ints(env, argv, 1, 8, a))
    return throw_type(env, "attention(heap, qkv, y, p, n, T, H, dh, causal)");
  const int64_t qkv = a[0], y = a[1], p = a[2], n = a[3], T = a[4], H = a[5], dh = a[6];
  if (n <= 0 || T <= 0 || H <= 0 || dh <= 0) return NULL;
  const int64_t D = H * dh;
  if (!inside(qkv, n * T * 3 * D, heap_len) || !inside(y, n * T * D, heap_len) || !inside(p, n * H * T * T, heap_len))
    return range_error(env, "attention: outside the heap");
  hgc_attention(heap + qkv, heap + y, heap + p, (int)n, (int)T, (int)H, (int)dh, a[7] != 0);
  return NULL;
}

// attentionGrad(heap, dy, qkv, p, dqkv, n, T, H, dh): see hgc_attention_grad in hgc_native.h.
static napi_value AttentionGrad(napi_env env, napi_callback_info info) {
  size_t argc = 9;
  napi_value argv[9];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  float* heap;
  size_t heap_len;
  int64_t a[8];
  if (argc < 9 || !get_typed(env, argv[0], napi_float32_array, (void**)&heap, &heap_len) || !get_ints(env, argv, 1, 8, a))
    return throw_type(env, "attentionGrad(heap, dy, qkv, p, dqkv, n, T, H, dh)");
  const int64_t dy = a[0], qkv = a[1], p = a[2], dqkv = a[3], n = a[4], T = a[5], H = a[6], dh = a[7];
  if (n <= 0 || T <= 0 || H <= 0 || dh <= 0) return NULL;
  const int64_t D = H * dh;
  if (!inside(dy, n * T * D, heap_len) || !inside(qkv, n * T * 3 * D, heap_len) || !inside(p, n * H * T * T, heap_len) ||
      !inside(dqkv, n * T * 3 * D, heap_len))
    return range_error(env, "attentionGrad: outside the heap");
  hgc_attention_grad(heap + dy, heap + qkv, heap + p, heap + dqkv, (int)n, (int)T, (int)H, (int)dh);
  return NULL;
}

// conv2d(heap, op, a, b, out, shape[12]): op 0 forward (a = x, b = w, out = y), 1 the input's
// gradient (a = dy, b = w, out = dx), 2 the filter's gradient (a = x, b = dy, out = dw); shape is
// n, h, w, c, kh, kw, o, stride, padTop, padLeft, oh, ow (see hgc_conv_shape).
static napi_value Conv2d(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  float* heap;
  size_t heap_len;
  int64_t a[4];
  int32_t* dims;
  size_t dims_len;
  if (argc < 6 || !get_typed(env, argv[0], napi_float32_array, (void**)&heap, &heap_len) || !get_ints(env, argv, 1, 4, a) ||
      !get_typed(env, argv[5], napi_int32_array, (void**)&dims, &dims_len) || dims_len != 12)
    return throw_type(env, "conv2d(heap, op, a, b, out, shape: Int32Array(12))");
  const hgc_conv_shape s = {dims[0], dims[1], dims[2], dims[3], dims[4], dims[5], dims[6], dims[7], dims[8], dims[9], dims[10], dims[11]};
  for (int i = 0; i < 12; i++)
    if (dims[i] < (i == 8 || i == 9 ? 0 : 1)) return throw_type(env, "conv2d: every size must be positive");
  const int64_t op = a[0];
  const int64_t x_size = (int64_t)s.n * s.h * s.w * s.c, w_size = (int64_t)s.kh * s.kw * s.c * s.o, y_size = (int64_t)s.n * s.oh * s.ow * s.o;
  const int64_t sizes[3][3] = {{x_size, w_size, y_size}, {y_size, w_size, x_size}, {x_size, y_size, w_size}};
  if (op < 0 || op > 2) return throw_type(env, "conv2d: op is 0, 1 or 2");
  if (!inside(a[1], sizes[op][0], heap_len) || !inside(a[2], sizes[op][1], heap_len) || !inside(a[3], sizes[op][2], heap_len))
    return range_error(env, "conv2d: outside the heap");
  const int ok = op == 0   ? hgc_conv2d(heap + a[1], heap + a[2], heap + a[3], &s)
                 : op == 1 ? hgc_conv2d_grad_input(heap + a[1], heap + a[2], heap + a[3], &s)
                           : hgc_conv2d_grad_filter(heap + a[1], heap + a[2], heap + a[3], &s);
  if (!ok) napi_throw_error(env, NULL, "conv2d: out of memory for the im2col buffers");
  return NULL;
}

// groupNorm(heap, x, g, b, y, mean, rstd, n, hw, c, groups, eps): see hgc_group_norm.
static napi_value GroupNorm(napi_env env, napi_callback_info info) {
  size_t argc = 12;
  napi_value argv[12];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  float* heap;
  size_t heap_len;
  int64_t a[10];
  double eps = 0;
  if (argc < 12 || !get_typed(env, argv[0], napi_float32_array, (void**)&heap, &heap_len) || !get_ints(env, argv, 1, 10, a) ||
      napi_get_value_double(env, argv[11], &eps) != napi_ok)
    return throw_type(env, "groupNorm(heap, x, g, b, y, mean, rstd, n, hw, c, groups, eps)");
  const int64_t n = a[6], hw = a[7], c = a[8], groups = a[9];
  if (n <= 0 || hw <= 0 || c <= 0 || groups <= 0 || c % groups != 0) return throw_type(env, "groupNorm: bad sizes");
  const int64_t size = n * hw * c;
  if (!inside(a[0], size, heap_len) || !inside(a[1], c, heap_len) || !inside(a[2], c, heap_len) || !inside(a[3], size, heap_len) ||
      !inside(a[4], n * groups, heap_len) || !inside(a[5], n * groups, heap_len))
    return range_error(env, "groupNorm: outside the heap");
  if (!hgc_group_norm(heap + a[0], heap + a[1], heap + a[2], heap + a[3], heap + a[4], heap + a[5], (int)n, (int)hw, (int)c, (int)groups, (float)eps))
    napi_throw_error(env, NULL, "groupNorm: out of memory for its scratch buffers");
  return NULL;
}

// groupNormGrad(heap, dy, x, g, mean, rstd, dx, dg, db, n, hw, c, groups): see hgc_group_norm_grad.
static napi_value GroupNormGrad(napi_env env, napi_callback_info info) {
  size_t argc = 13;
  napi_value argv[13];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  float* heap;
  size_t heap_len;
  int64_t a[12];
  if (argc < 13 || !get_typed(env, argv[0], napi_float32_array, (void**)&heap, &heap_len) || !get_ints(env, argv, 1, 12, a))
    return throw_type(env, "groupNormGrad(heap, dy, x, g, mean, rstd, dx, dg, db, n, hw, c, groups)");
  const int64_t n = a[8], hw = a[9], c = a[10], groups = a[11];
  if (n <= 0 || hw <= 0 || c <= 0 || groups <= 0 || c % groups != 0) return throw_type(env, "groupNormGrad: bad sizes");
  const int64_t size = n * hw * c;
  if (!inside(a[0], size, heap_len) || !inside(a[1], size, heap_len) || !inside(a[2], c, heap_len) || !inside(a[3], n * groups, heap_len) ||
      !inside(a[4], n * groups, heap_len) || !inside(a[5], size, heap_len) || !inside(a[6], c, heap_len) || !inside(a[7], c, heap_len))
    return range_error(env, "groupNormGrad: outside the heap");
  if (!hgc_group_norm_grad(heap + a[0], heap + a[1], heap + a[2], heap + a[3], heap + a[4], heap + a[5], heap + a[6], heap + a[7], (int)n,
                           (int)hw, (int)c, (int)groups))
    napi_throw_error(env, NULL, "groupNormGrad: out of memory for its scratch buffers");
  return NULL;
}

// probeObjective(x, y, n, d, C, theta, l2, g) -> f: the linear probe's objective and its gradient
// into g (see hgc_probe_objective in hgc_native.h); x, theta and g are Float64Arrays, y an
// Int32Array of labels in [0, C).
static napi_value ProbeObjective(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  double *x, *theta, *g;
  int32_t* y;
  size_t x_len, y_len, theta_len, g_len;
  int64_t a[3];
  double l2;
  if (argc < 8 || !get_typed(env, argv[0], napi_float64_array, (void**)&x, &x_len) ||
      !get_typed(env, argv[1], napi_int32_array, (void**)&y, &y_len) || !get_ints(env, argv, 2, 3, a) ||
      !get_typed(env, argv[5], napi_float64_array, (void**)&theta, &theta_len) ||
      napi_get_value_double(env, argv[6], &l2) != napi_ok || !get_typed(env, argv[7], napi_float64_array, (void**)&g, &g_len))
    return throw_type(env, "probeObjective(x, y, n, d, C, theta, l2, g)");
  const int64_t n = a[0], d = a[1], C = a[2];
  if (n < 1 || d < 0 || C < 1 || (uint64_t)(n * d) > x_len || (uint64_t)n > y_len || (uint64_t)((d + 1) * C) != theta_len ||
      theta_len != g_len)
    return range_error(env, "probeObjective: sizes do not match the arrays");
  for (int64_t i = 0; i < n; i++)
    if (y[i] < 0 || y[i] >= C) return range_error(env, "probeObjective: a label outside [0, C)");
  // Split when the two products are worth waking the second thread for (as for sgemm).
  const double work = 2.0 * (double)n * (double)(d + 1) * (double)C;
  const double f = hgc_probe_objective(x, y, (int)n, (int)d, (int)C, theta, l2, g, work >= par_min_work);
  napi_value v;
  CHECK(env, napi_create_double(env, f, &v));
  return v;
}

static napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"open", NULL, Open, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setThreads", NULL, SetThreads, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sgemm", NULL, Sgemm, NULL, NULL, NULL, napi_enumerable, NULL},
      {"tanh", NULL, Tanh, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sum", NULL, Sum, NULL, NULL, NULL, napi_enumerable, NULL},
      {"copyBlocks", NULL, CopyBlocks, NULL, NULL, NULL, napi_enumerable, NULL},
      {"transpose", NULL, Transpose, NULL, NULL, NULL, napi_enumerable, NULL},
      {"binary", NULL, Binary, NULL, NULL, NULL, napi_enumerable, NULL},
      {"gelu", NULL, Gelu, NULL, NULL, NULL, napi_enumerable, NULL},
      {"geluGrad", NULL, GeluGrad, NULL, NULL, NULL, napi_enumerable, NULL},
      {"layerNorm", NULL, LayerNorm, NULL, NULL, NULL, napi_enumerable, NULL},
      {"layerNormGrad", NULL, LayerNormGrad, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setGemmPolicy", NULL, SetGemmPolicy, NULL, NULL, NULL, napi_enumerable, NULL},
      {"gemmInfo", NULL, GemmInfo, NULL, NULL, NULL, napi_enumerable, NULL},
      {"attention", NULL, Attention, NULL, NULL, NULL, napi_enumerable, NULL},
      {"attentionGrad", NULL, AttentionGrad, NULL, NULL, NULL, napi_enumerable, NULL},
      {"probeObjective", NULL, ProbeObjective, NULL, NULL, NULL, napi_enumerable, NULL},
      {"conv2d", NULL, Conv2d, NULL, NULL, NULL, napi_enumerable, NULL},
      {"groupNorm", NULL, GroupNorm, NULL, NULL, NULL, napi_enumerable, NULL},
      {"groupNormGrad", NULL, GroupNormGrad, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok)
    return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
