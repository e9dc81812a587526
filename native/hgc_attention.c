// Multi-head self-attention as one kernel, forward and gradient, straight from the qkv projection
// [n·T, 3D] to the merged heads [n·T, D]: no split of qkv, no transposes to and from the
// [n, H, T, ·] layout, no mask added, and the four products per head read their operands in place
// through leading dimensions. The composite ops (split, three transposes, two batched products,
// a mask add, softmax, a transpose back; twice as many in the gradient) each stream their tensor
// through memory once; here each (sequence, head) pair stays in cache from scores to output.
//
// Per pair, with q scaled by s = 1/√dh:
//   forward   S = s·q·kᵀ;  P = softmax(S) over j ≤ i (causal) or all j;  y = P·v
//   gradient  dv = Pᵀ·dy;  dP = dy·vᵀ;  dS = P ⊙ (dP − rowsum(dP ⊙ P));  dq = s·dS·k;  dk = s·dSᵀ·q
// Pairs are split across the pool's threads.

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hgc_native.h"

// exp(x) for x ≤ 0 (scores minus their row maximum), Cephes's expf: a degree-6 polynomial on
// [−ln2/2, ln2/2] times 2ⁿ, within 2 ulps; written without branches or libm so the row loops
// vectorize. Below −87.3 the result would be subnormal: 0 (the row's maximum contributes 1).
static inline float exp_nonpositive(float x) {
  const float xc = x < -87.3f ? -87.3f : x;
  const float fx = xc * 1.44269504088896341f + 0.5f;
  float n = (float)(int)fx;  // floor for fx < 0 by truncation and a correction
  n = n > fx ? n - 1.0f : n;
  const float r = (xc - n * 0.693359375f) - n * -2.12194440e-4f;
  float y = 1.9875691500e-4f;
  y = y * r + 1.3981999507e-3f;
  y = y * r + 8.3334519073e-3f;
  y = y * r + 4.1665795894e-2f;
  y = y * r + 1.6666665459e-1f;
  y = y * r + 5.0000001201e-1f;
  y = y * (r * r) + r + 1.0f;
  union {
    int32_t i;
    float f;
  } scale = {.i = ((int32_t)n + 127) << 23};
  return x < -87.3f ? 0.0f : y * scale.f;
}

// One row of scores → weights over its first `len` entries (the rest are masked: 0); and one row
// of the gradient. Compiled for the baseline and for AVX2, picked by the CPU.
#define ATT_ROWS(SUFFIX, ATTR)                                                                      \
  ATTR static void softmax_row_##SUFFIX(float* restrict row, int len, int T) {                     \
    float mx = row[0];                                                                            \
    for (int j = 1; j < len; j++) mx = row[j] > mx ? row[j] : mx;                                 \
    float sum = 0.0f;                                                                             \
    for (int j = 0; j < len; j++) {                                                               \
      row[j] = exp_nonpositive(row[j] - mx);                                                      \
      sum += row[j];                                                                              \
    }                                                                                             \
    for (int j = 0; j < len; j++) row[j] = row[j] / sum;                                          \
    for (int j = len; j < T; j++) row[j] = 0.0f;                                                  \
  }                                                                                               \
  ATTR static void score_grad_row_##SUFFIX(const float* restrict p, float* restrict dp, int len, int T, float s) { \
    float dot = 0.0f;                                                                             \
    for (int j = 0; j < len; j++) dot += dp[j] * p[j];                                            \
    for (int j = 0; j < len; j++) dp[j] = p[j] * (dp[j] - dot) * s;                               \
    for (int j = len; j < T; j++) dp[j] = 0.0f;                                                   \
  }

ATT_ROWS(base, )
#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
ATT_ROWS(avx2, __attribute__((target("avx2,fma"))))
#define ROW(NAME, ...) (hgc_cpu_avx2() ? NAME##_avx2(__VA_ARGS__) : NAME##_base(__VA_ARGS__))
#else
#define ROW(NAME, ...) NAME##_base(__VA_ARGS__)
#endif

typedef struct {
  const float* dy;
  const float* qkv;
  float* p;  // written by the forward, read by the gradient
  float* y;
  float* dqkv;
  int n, T, H, dh, causal;
} att_args;

// The pairs of part `part` of `parts`: a contiguous range of (sequence, head) indices.
static void part_range(int pairs, int part, int parts, int* begin, int* end) {
  *begin = (int)((int64_t)pairs * part / parts);
  *end = (int)((int64_t)pairs * (part + 1) / parts);
}

static void forward_part(void* arg, int part, int parts) {
  const att_args* a = arg;
  const int T = a->T, H = a->H, dh = a->dh, D = H * dh;
  const float s = (float)(1.0 / sqrt((double)dh));  // as the composite ops' 1/Math.sqrt(dh)
  int begin, end;
  part_range(a->n * H, part, parts, &begin, &end);
  for (int pair = begin; pair < end; pair++) {
    const int b = pair / H, h = pair % H;
    const float* q = a->qkv + (int64_t)b * T * 3 * D + h * dh;
    float* pp = a->p + (int64_t)pair * T * T;
    hgc_gemm(0, 1, T, T, dh, s, q, 3 * D, q + D, 3 * D, pp, T);
    for (int i = 0; i < T; i++) ROW(softmax_row, pp + (int64_t)i * T, a->causal ? i + 1 : T, T);
    hgc_gemm(0, 0, T, dh, T, 1.0f, pp, T, q + 2 * D, 3 * D, a->y + (int64_t)b * T * D + h * dh, D);
  }
}

static _Thread_local float* scratch = NULL;
static _Thread_local size_t scratch_cap = 0;

static void backward_part(void* arg, int part, int parts) {
  const att_args* a = arg;
  const int T = a->T, H = a->H, dh = a->dh, D = H * dh;
  const float s = (float)(1.0 / sqrt((double)dh));  // as the composite ops' 1/Math.sqrt(dh)
  if (scratch_cap < (size_t)T * T) {
    free(scratch);
    scratch = malloc((size_t)T * T * sizeof(float));
    scratch_cap = scratch ? (size_t)T * T : 0;
    if (scratch == NULL) abort();
  }
  float* ds = scratch;
  int begin, end;
  part_range(a->n * H, part, parts, &begin, &end);
  for (int pair = begin; pair < end; pair++) {
    const int b = pair / H, h = pair % H;
    const float* q = a->qkv + (int64_t)b * T * 3 * D + h * dh;
    const float* pp = a->p + (int64_t)pair * T * T;
    const float* dy = a->dy + (int64_t)b * T * D + h * dh;
    float* dq = a->dqkv + (int64_t)b * T * 3 * D + h * dh;
    hgc_gemm(1, 0, T, dh, T, 1.0f, pp, T, dy, D, dq + 2 * D, 3 * D);  // dv = Pᵀ·dy
    hgc_gemm(0, 1, T, T, dh, 1.0f, dy, D, q + 2 * D, 3 * D, ds, T);  // dP = dy·vᵀ
    for (int i = 0; i < T; i++) ROW(score_grad_row, pp + (int64_t)i * T, ds + (int64_t)i * T, a->causal ? i + 1 : T, T, s);
    hgc_gemm(0, 0, T, dh, T, 1.0f, ds, T, q + D, 3 * D, dq, 3 * D);  // dq = s·dS·k
    hgc_gemm(1, 0, T, dh, T, 1.0f, ds, T, q, 3 * D, dq + D, 3 * D);  // dk = s·dSᵀ·q
  }
}

void hgc_attention(const float* qkv, float* y, float* p, int n, int T, int H, int dh, int causal) {
  att_args a = {.qkv = qkv, .y = y, .p = p, .n = n, .T = T, .H = H, .dh = dh, .causal = causal};
  hgc_pool_run(forward_part, &a, n * H);
}

void hgc_attention_grad(const float* dy, const float* qkv, const float* p, float* dqkv, int n, int T, int H, int dh) {
  // The gradient needs no causal flag: masked weights are 0, so their score gradients are too.
  att_args a = {.dy = dy, .qkv = qkv, .p = (float*)p, .dqkv = dqkv, .n = n, .T = T, .H = H, .dh = dh, .causal = 0};
  hgc_pool_run(backward_part, &a, n * H);
}
