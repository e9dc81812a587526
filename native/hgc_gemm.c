// The built-in single-precision GEMM: what the addon uses where no system BLAS loads, so a fresh
// machine gets native speed from `npm install` alone (PyTorch's wheels carry their BLAS; hgc
// carries this).
//
// The classic blocked scheme (Goto & van de Geijn; BLIS's loop order): op(B) is packed in kc×nc
// panels of nr-wide column strips, op(A) in mc×kc blocks of mr-tall row strips, and a register-
// blocked micro-kernel multiplies one A strip by one B strip. Packing reads either layout, so one
// micro-kernel serves all four transpose forms; partial edge tiles go through a small buffer.
//
// Micro-kernels are compiled for AVX-512, AVX2+FMA and portable C (which the compiler vectorizes
// for the baseline: SSE2 on x86-64, NEON on arm64) in one binary — target attributes, no -march
// flag — and the best the CPU supports is picked on first use.

#include <stdlib.h>
#include <string.h>

#include "hgc_native.h"

#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
#define HGC_X86 1
#include <immintrin.h>
#endif

typedef void (*kern_fn)(int kc, const float* a, const float* b, float* c, int ldc, int accumulate);

typedef struct {
  const char* name;
  int mr, nr;      // register tile
  int kc, mc, nc;  // cache blocks: kc·nr floats stay in L1, mc·kc in L2, kc·nc in L2/L3
  kern_fn kern;
} gemm_family;

// ---- micro-kernels: c[mr×nr] (+)= a-strip · b-strip over kc ---------------------------------------
//
// a holds kc groups of mr values (a column of the strip each), b kc groups of nr values.

enum { P_MR = 4, P_NR = 16 };
static void kern_portable(int kc, const float* restrict a, const float* restrict b, float* restrict c, int ldc, int accumulate) {
  float t[P_MR][P_NR];
  memset(t, 0, sizeof t);
  for (int p = 0; p < kc; p++, a += P_MR, b += P_NR)
    for (int r = 0; r < P_MR; r++)
      for (int j = 0; j < P_NR; j++) t[r][j] += a[r] * b[j];
  for (int r = 0; r < P_MR; r++)
    for (int j = 0; j < P_NR; j++) c[r * ldc + j] = accumulate ? c[r * ldc + j] + t[r][j] : t[r][j];
}

#ifdef HGC_X86
enum { A2_MR = 6, A2_NR = 16 };
__attribute__((target("avx2,fma"))) static void kern_avx2(int kc, const float* restrict a, const float* restrict b, float* restrict c, int ldc,
                                                          int accumulate) {
  __m256 c0[A2_MR], c1[A2_MR];
#pragma GCC unroll 6
  for (int r = 0; r < A2_MR; r++) c0[r] = c1[r] = _mm256_setzero_ps();
  for (int p = 0; p < kc; p++, a += A2_MR, b += A2_NR) {
    const __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);
#pragma GCC unroll 6
    for (int r = 0; r < A2_MR; r++) {
      const __m256 av = _mm256_broadcast_ss(a + r);
      c0[r] = _mm256_fmadd_ps(av, b0, c0[r]);
      c1[r] = _mm256_fmadd_ps(av, b1, c1[r]);
    }
  }
#pragma GCC unroll 6
  for (int r = 0; r < A2_MR; r++) {
    float* cr = c + r * ldc;
    if (accumulate) {
      c0[r] = _mm256_add_ps(c0[r], _mm256_loadu_ps(cr));
      c1[r] = _mm256_add_ps(c1[r], _mm256_loadu_ps(cr + 8));
    }
    _mm256_storeu_ps(cr, c0[r]);
    _mm256_storeu_ps(cr + 8, c1[r]);
  }
}

enum { A5_MR = 8, A5_NR = 32 };
__attribute__((target("avx512f"))) static void kern_avx512(int kc, const float* restrict a, const float* restrict b, float* restrict c, int ldc,
                                                           int accumulate) {
  __m512 c0[A5_MR], c1[A5_MR];
#pragma GCC unroll 8
  for (int r = 0; r < A5_MR; r++) c0[r] = c1[r] = _mm512_setzero_ps();
  for (int p = 0; p < kc; p++, a += A5_MR, b += A5_NR) {
    const __m512 b0 = _mm512_loadu_ps(b), b1 = _mm512_loadu_ps(b + 16);
#pragma GCC unroll 8
    for (int r = 0; r < A5_MR; r++) {
      const __m512 av = _mm512_set1_ps(a[r]);
      c0[r] = _mm512_fmadd_ps(av, b0, c0[r]);
      c1[r] = _mm512_fmadd_ps(av, b1, c1[r]);
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < A5_MR; r++) {
    float* cr = c + r * ldc;
    if (accumulate) {
      c0[r] = _mm512_add_ps(c0[r], _mm512_loadu_ps(cr));
      c1[r] = _mm512_add_ps(c1[r], _mm512_loadu_ps(cr + 16));
    }
    _mm512_storeu_ps(cr, c0[r]);
    _mm512_storeu_ps(cr + 16, c1[r]);
  }
}
#endif

// The largest register tile of any family (AVX-512's 8×32).
enum { EDGE_MAX = 8 * 32 };

static const gemm_family PORTABLE = {"portable", P_MR, P_NR, 256, 128, 2048, kern_portable};
#ifdef HGC_X86
static const gemm_family AVX2 = {"AVX2", A2_MR, A2_NR, 256, 144, 2048, kern_avx2};
static const gemm_family AVX512 = {"AVX-512", A5_MR, A5_NR, 256, 128, 2048, kern_avx512};
#endif

static const gemm_family* family = NULL;

#ifdef HGC_X86
int hgc_cpu_avx2(void) {
  static int cached = -1;
  if (cached < 0) {
    __builtin_cpu_init();
    cached = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  }
  return cached;
}
#endif

static const gemm_family* best_family(void) {
#ifdef HGC_X86
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) return &AVX512;
  if (hgc_cpu_avx2()) return &AVX2;
#endif
  return &PORTABLE;
}

static const gemm_family* current(void) {
  if (family == NULL) family = best_family();
  return family;
}

const char* hgc_gemm_isa(void) { return current()->name; }

int hgc_gemm_set_isa(const char* name) {
  const gemm_family* want = NULL;
  if (strcmp(name, "portable") == 0) want = &PORTABLE;
#ifdef HGC_X86
  __builtin_cpu_init();
  if (strcmp(name, "AVX2") == 0 && hgc_cpu_avx2()) want = &AVX2;
  if (strcmp(name, "AVX-512") == 0 && __builtin_cpu_supports("avx512f")) want = &AVX512;
#endif
  if (strcmp(name, "best") == 0) want = best_family();
  if (want == NULL) return 0;
  family = want;
  return 1;
}

// ---- packing ----------------------------------------------------------------------------------

// op(A)[i0 .. i0+mc) × [p0 .. p0+kc) as strips of mr rows: strip s holds, for each p, the mr values
// of column p (zeros past row m). alpha scales while packing.
static void pack_a(int mr, int ta, const float* a, int lda, int i0, int mc, int p0, int kc, float alpha, float* restrict dst) {
  for (int s = 0; s < mc; s += mr, dst += mr * kc) {
    const int rows = mc - s < mr ? mc - s : mr;
    if (ta) {
      // op(A)(i, p) = a[p·lda + i]: each column of the strip is contiguous.
      for (int p = 0; p < kc; p++) {
        const float* src = a + (int64_t)(p0 + p) * lda + i0 + s;
        float* d = dst + p * mr;
        for (int r = 0; r < rows; r++) d[r] = src[r] * alpha;
        for (int r = rows; r < mr; r++) d[r] = 0.0f;
      }
    } else {
      for (int r = 0; r < rows; r++) {
        const float* src = a + (int64_t)(i0 + s + r) * lda + p0;
        for (int p = 0; p < kc; p++) dst[p * mr + r] = src[p] * alpha;
      }
      for (int r = rows; r < mr; r++)
        for (int p = 0; p < kc; p++) dst[p * mr + r] = 0.0f;
    }
  }
}

// op(B)[p0 .. p0+kc) × [j0 .. j0+nc) as strips of nr columns: strip s holds, for each p, the nr
// values of row p (zeros past column n).
static void pack_b(int nr, int tb, const float* b, int ldb, int p0, int kc, int j0, int nc, float* restrict dst) {
  for (int s = 0; s < nc; s += nr, dst += nr * kc) {
    const int cols = nc - s < nr ? nc - s : nr;
    if (tb) {
      // op(B)(p, j) = b[j·ldb + p]: walk each source row (a column of op(B)) contiguously.
      for (int j = 0; j < cols; j++) {
        const float* src = b + (int64_t)(j0 + s + j) * ldb + p0;
        for (int p = 0; p < kc; p++) dst[p * nr + j] = src[p];
      }
      for (int j = cols; j < nr; j++)
        for (int p = 0; p < kc; p++) dst[p * nr + j] = 0.0f;
    } else {
      for (int p = 0; p < kc; p++) {
        const float* src = b + (int64_t)(p0 + p) * ldb + j0 + s;
        float* d = dst + p * nr;
        memcpy(d, src, (size_t)cols * sizeof(float));
        for (int j = cols; j < nr; j++) d[j] = 0.0f;
      }
    }
  }
}

// Per-thread packing buffers, grown on demand and kept (each pool thread and the main thread
// packs its own).
static _Thread_local float* buf_a = NULL;
static _Thread_local size_t cap_a = 0;
static _Thread_local float* buf_b = NULL;
static _Thread_local size_t cap_b = 0;

static float* grow(float** buf, size_t* cap, size_t floats) {
  if (*cap >= floats) return *buf;
  free(*buf);
  const size_t bytes = (floats * sizeof(float) + 63) / 64 * 64;
  *buf = aligned_alloc(64, bytes);
  *cap = *buf ? floats : 0;
  return *buf;
}

static int min_int(int x, int y) { return x < y ? x : y; }

void hgc_gemm(int ta, int tb, int m, int n, int k, float alpha, const float* a, int lda, const float* b, int ldb, float* c, int ldc) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    for (int i = 0; i < m; i++) memset(c + (int64_t)i * ldc, 0, (size_t)n * sizeof(float));
    return;
  }
  const gemm_family* g = current();
  const int mr = g->mr, nr = g->nr;
  const int kc_max = min_int(g->kc, k);
  const int mc_max = min_int(g->mc, (m + mr - 1) / mr * mr);
  const int nc_max = min_int(g->nc, (n + nr - 1) / nr * nr);
  float* pa = grow(&buf_a, &cap_a, (size_t)mc_max * kc_max);
  float* pb = grow(&buf_b, &cap_b, (size_t)kc_max * nc_max);
  if (pa == NULL || pb == NULL) abort();  // out of memory for a few hundred KiB: nothing sensible left
  float edge[EDGE_MAX] __attribute__((aligned(64)));  // one register tile, for partial edge tiles
  for (int jc = 0; jc < n; jc += g->nc) {
    const int nc = min_int(g->nc, n - jc);
    for (int pc = 0; pc < k; pc += g->kc) {
      const int kc = min_int(g->kc, k - pc);
      const int accumulate = pc > 0;
      pack_b(nr, tb, b, ldb, pc, kc, jc, nc, pb);
      for (int ic = 0; ic < m; ic += g->mc) {
        const int mc = min_int(g->mc, m - ic);
        pack_a(mr, ta, a, lda, ic, mc, pc, kc, alpha, pa);
        for (int jr = 0; jr < nc; jr += nr) {
          const int cols = min_int(nr, nc - jr);
          const float* bs = pb + (int64_t)jr * kc;
          for (int ir = 0; ir < mc; ir += mr) {
            const int rows = min_int(mr, mc - ir);
            const float* as = pa + (int64_t)ir * kc;
            float* cp = c + (int64_t)(ic + ir) * ldc + jc + jr;
            if (rows == mr && cols == nr) {
              g->kern(kc, as, bs, cp, ldc, accumulate);
            } else {
              g->kern(kc, as, bs, edge, nr, 0);
              for (int r = 0; r < rows; r++)
                for (int j = 0; j < cols; j++) cp[(int64_t)r * ldc + j] = accumulate ? cp[(int64_t)r * ldc + j] + edge[r * nr + j] : edge[r * nr + j];
            }
          }
        }
      }
    }
  }
}
