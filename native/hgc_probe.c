// The linear probe's objective in float64 (runtime/evaluate/probe.ts solves the probe by L-BFGS and
// calls this for every function and gradient evaluation): multinomial logistic regression,
//
//   f(θ) = mean_i CE(softmax(W·x_i + b), y_i) + λ/2·‖W‖²,   ∇_W f = (P − Y)ᵀX/n + λW,  ∇_b f = mean_i (p_i − y_i).
//
// Layout: θ class by class, [w_c (d values), b_c], as probe.ts keeps it. The kernel works on
// Wᵀ [d, Cp] (classes padded to a multiple of CT with zeros), so every inner loop runs across
// classes: each lane is its own class, so vector width never changes a sum's order, and the
// baseline and AVX2 builds of the loops compute the same bits (no FMA contraction in ISO C mode).
//
// Determinism across threads: the rows are cut into SLICES fixed slices whatever the thread count;
// each slice sums its own loss and gradient in row order, and the slices are added in slice order
// on the calling thread. One thread or two, the result is the same.

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hgc_native.h"

enum { SLICES = 8, RB = 8, CT = 4 };

// Four classes of one row: GCC's and clang's generic vectors (two SSE2 registers on the baseline
// build, one AVX register on the AVX2 one; elementwise either way, so both round alike).
typedef double v4d __attribute__((vector_size(32)));

typedef struct {
  const double* x;
  const int32_t* y;
  int n, d, C, Cp;
  const double* wt;  // [d + 1, Cp]: Wᵀ, then the bias row (32-byte aligned, as are gs and zs)
  double* gs;        // SLICES × [d + 1, Cp] partial gradients (last row: the bias)
  double* zs;        // SLICES × [RB, Cp] logits / residuals of a row block
  double loss[SLICES];
} probe_task;

// One slice: rows [r0, r1) into its gradient gs; returns its summed cross-entropy. Rows go RB at a
// time: logits for four classes of RB rows in registers, softmax, then the gradient rows
// gs[j, :] += Σ_r x[r, j]·z[r, :] with the residuals of RB rows in registers.
#define HGC_PROBE_SLICE(SUFFIX, ATTR)                                                                   \
  ATTR static double probe_slice_##SUFFIX(const probe_task* t, int r0, int r1, double* restrict gs,    \
                                          double* restrict z) {                                         \
    const int d = t->d, C = t->C, Cp = t->Cp;                                                           \
    const double* restrict wt = t->wt;                                                                  \
    double loss = 0;                                                                                    \
    memset(gs, 0, sizeof(double) * (size_t)(d + 1) * Cp);                                               \
    for (int i0 = r0; i0 < r1; i0 += RB) {                                                              \
      const int m = r1 - i0 < RB ? r1 - i0 : RB;                                                        \
      const double* xr[RB];                                                                             \
      /* Rows past the end of a short block repeat the last one; their residuals are zero. */           \
      for (int r = 0; r < RB; r++) xr[r] = t->x + (size_t)(i0 + (r < m ? r : m - 1)) * d;               \
      for (int c0 = 0; c0 < Cp; c0 += CT) {                                                             \
        v4d acc[RB];                                                                                    \
        const v4d b = *(const v4d*)(wt + (size_t)d * Cp + c0);                                          \
        for (int r = 0; r < RB; r++) acc[r] = b;                                                        \
        for (int j = 0; j < d; j++) {                                                                   \
          const v4d w = *(const v4d*)(wt + (size_t)j * Cp + c0);                                        \
          for (int r = 0; r < RB; r++) acc[r] += xr[r][j] * w;                                          \
        }                                                                                               \
        for (int r = 0; r < RB; r++) *(v4d*)(z + r * Cp + c0) = acc[r];                                 \
      }                                                                                                 \
      /* Softmax, the loss, and the residual p − onehot(y) = ∂CE/∂logits. */                            \
      for (int r = 0; r < RB; r++) {                                                                    \
        double* restrict zr = z + r * Cp;                                                               \
        if (r >= m) {                                                                                   \
          for (int c = 0; c < Cp; c++) zr[c] = 0;                                                       \
          continue;                                                                                     \
        }                                                                                               \
        double max = -INFINITY;                                                                         \
        for (int c = 0; c < C; c++) max = zr[c] > max ? zr[c] : max;                                    \
        double sum = 0;                                                                                 \
        const int yi = t->y[i0 + r];                                                                    \
        const double zy = zr[yi] - max;                                                                 \
        for (int c = 0; c < C; c++) {                                                                   \
          const double e = exp(zr[c] - max);                                                           \
          zr[c] = e;                                                                                    \
          sum += e;                                                                                     \
        }                                                                                               \
        loss += log(sum) - zy;                                                                          \
        const double inv = 1.0 / sum;                                                                   \
        for (int c = 0; c < C; c++) zr[c] *= inv;                                                       \
        for (int c = C; c < Cp; c++) zr[c] = 0;                                                         \
        zr[yi] -= 1;                                                                                    \
      }                                                                                                 \
      for (int c0 = 0; c0 < Cp; c0 += CT) {                                                             \
        v4d res[RB];                                                                                    \
        for (int r = 0; r < RB; r++) res[r] = *(const v4d*)(z + r * Cp + c0);                           \
        for (int j = 0; j < d; j++) {                                                                   \
          v4d g = *(v4d*)(gs + (size_t)j * Cp + c0);                                                    \
          for (int r = 0; r < RB; r++) g += xr[r][j] * res[r];                                          \
          *(v4d*)(gs + (size_t)j * Cp + c0) = g;                                                        \
        }                                                                                               \
        v4d gb = *(v4d*)(gs + (size_t)d * Cp + c0);                                                     \
        for (int r = 0; r < RB; r++) gb += res[r];                                                      \
        *(v4d*)(gs + (size_t)d * Cp + c0) = gb;                                                         \
      }                                                                                                 \
    }                                                                                                   \
    return loss;                                                                                        \
  }

HGC_PROBE_SLICE(base, )
#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
HGC_PROBE_SLICE(avx2, __attribute__((target("avx2,fma"))))
#endif

static void probe_part(void* arg, int part, int parts) {
  probe_task* t = arg;
  const size_t gsize = (size_t)(t->d + 1) * t->Cp;
  for (int s = SLICES * part / parts; s < SLICES * (part + 1) / parts; s++) {
    const int r0 = (int)((int64_t)t->n * s / SLICES), r1 = (int)((int64_t)t->n * (s + 1) / SLICES);
    double* gs = t->gs + gsize * s;
    double* z = t->zs + (size_t)RB * t->Cp * s;
    if (r1 <= r0) {
      memset(gs, 0, sizeof(double) * gsize);
      t->loss[s] = 0;
      continue;
    }
#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
    if (hgc_cpu_avx2()) {
      t->loss[s] = probe_slice_avx2(t, r0, r1, gs, z);
      continue;
    }
#endif
    t->loss[s] = probe_slice_base(t, r0, r1, gs, z);
  }
}

double hgc_probe_objective(const double* x, const int32_t* y, int n, int d, int C, const double* theta,
                           double l2, double* g, int parallel) {
  const int D = d + 1, Cp = (C + CT - 1) / CT * CT;
  const size_t gsize = (size_t)D * Cp;
  // Cp is a multiple of four doubles, so every row of these starts 32-byte aligned.
  double* wt = aligned_alloc(32, sizeof(double) * gsize);
  double* gs = aligned_alloc(32, sizeof(double) * gsize * SLICES);
  double* zs = aligned_alloc(32, sizeof(double) * (size_t)RB * Cp * SLICES);
  if (wt == NULL || gs == NULL || zs == NULL) {
    free(wt);
    free(gs);
    free(zs);
    return NAN;
  }
  memset(wt, 0, sizeof(double) * gsize);
  for (int c = 0; c < C; c++)
    for (int j = 0; j < D; j++) wt[(size_t)j * Cp + c] = theta[(size_t)c * D + j];
  probe_task t = {x, y, n, d, C, Cp, wt, gs, zs, {0}};
  hgc_pool_run(probe_part, &t, parallel ? SLICES : 1);
  // The slices' sums, added in slice order.
  double loss = 0;
  for (int s = 0; s < SLICES; s++) loss += t.loss[s];
  for (int s = 1; s < SLICES; s++) {
    const double* p = gs + gsize * s;
    for (size_t i = 0; i < gsize; i++) gs[i] += p[i];
  }
  double reg = 0;
  for (int c = 0; c < C; c++) {
    double* gc = g + (size_t)c * D;
    const double* wc = theta + (size_t)c * D;
    for (int j = 0; j < d; j++) {
      reg += wc[j] * wc[j];
      gc[j] = gs[(size_t)j * Cp + c] / n + l2 * wc[j];
    }
    gc[d] = gs[(size_t)d * Cp + c] / n;
  }
  free(wt);
  free(gs);
  free(zs);
  return loss / n + 0.5 * l2 * reg;
}
