// Shared declarations of the addon's C parts: the built-in GEMM (hgc_gemm.c), the thread pool
// (hgc_pool.c), the fused attention (hgc_attention.c) and the convolutions (hgc_conv.c). The N-API glue is hgc_blas.c.
#ifndef HGC_NATIVE_H
#define HGC_NATIVE_H

#include <stdint.h>

// ---- built-in GEMM ----------------------------------------------------------------------------

// C = alpha · op(A) · op(B), row-major, op(X) = Xᵀ when the flag is set; C (m×n, leading
// dimension ldc) is overwritten. One thread: callers split work across the pool themselves.
void hgc_gemm(int trans_a, int trans_b, int m, int n, int k, float alpha, const float* a, int lda,
              const float* b, int ldb, float* c, int ldc);

// The micro-kernel family in use: "AVX-512", "AVX2" or "portable".
const char* hgc_gemm_isa(void);
// Pick a family by that name (for tests and measurements); 0 when this CPU or build lacks it.
int hgc_gemm_set_isa(const char* name);

#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
// 1 where the CPU has AVX2 and FMA (the loops compiled for `target("avx2,fma")` may run), cached.
int hgc_cpu_avx2(void);
#endif

// ---- thread pool ------------------------------------------------------------------------------

// A task is run as `parts` calls fn(arg, part, parts), part 0 on the calling thread and the others
// on the pool's workers; hgc_pool_run returns when all are done.
typedef void (*hgc_task_fn)(void* arg, int part, int parts);

// Set the number of threads (the caller included) tasks may use; returns the number in effect.
int hgc_pool_set_threads(int n);
int hgc_pool_threads(void);
// Run fn over min(parts, threads) parts (just fn(arg, 0, 1) when that is 1).
void hgc_pool_run(hgc_task_fn fn, void* arg, int parts);

// ---- fused attention ----------------------------------------------------------------------------

// Multi-head self-attention of n sequences of T positions from qkv [n·T, 3D] (q, k, v side by
// side, head h at columns h·dh of each): y [n·T, D] (heads merged) and the attention weights
// p [n, H, T, T] (kept for the gradient). q is scaled by 1/√dh; `causal` masks j > i.
void hgc_attention(const float* qkv, float* y, float* p, int n, int T, int H, int dh, int causal);
// The gradient: dqkv [n·T, 3D] from dy [n·T, D], qkv and p.
void hgc_attention_grad(const float* dy, const float* qkv, const float* p, float* dqkv, int n,
                        int T, int H, int dh);

// ---- linear probe ------------------------------------------------------------------------------

// The probe's objective (hgc_probe.c): mean cross-entropy of softmax(W·x_i + b) over the n rows of
// x [n, d] (float64) with labels y in [0, C), plus λ/2·‖W‖²; θ and the gradient g are [C, d + 1]
// (each class's weights, then its bias). `parallel` lets it use the pool's threads (same result).
// NaN when out of memory.
double hgc_probe_objective(const double* x, const int32_t* y, int n, int d, int C, const double* theta,
                           double l2, double* g, int parallel);

// ---- 2-D convolution (hgc_conv.c) -----------------------------------------------------------------

// x [n, h, w, c] (NHWC), filter [kh, kw, c, o], output [n, oh, ow, o]; padding as tfjs computes it
// (rows and columns of zeros before the first pixel; the rest after the last).
typedef struct {
  int n, h, w, c, kh, kw, o, stride, pad_top, pad_left, oh, ow;
} hgc_conv_shape;

// y = conv(x, w); dx from dy and w; dw from x and dy. Each returns 0 when out of memory.
int hgc_conv2d(const float* x, const float* w, float* y, const hgc_conv_shape* s);
int hgc_conv2d_grad_input(const float* dy, const float* w, float* dx, const hgc_conv_shape* s);
int hgc_conv2d_grad_filter(const float* x, const float* dy, float* dw, const hgc_conv_shape* s);

// GroupNorm over x [n, hw, c] in `groups` groups of consecutive channels, per-channel gain g and
// bias b: y, and each (image, group)'s mean and 1/std [n·groups]; the gradient dx, dg, db.
// Each returns 0 when out of memory for its scratch buffers.
int hgc_group_norm(const float* x, const float* g, const float* b, float* y, float* mean, float* rstd, int n, int hw, int c,
                   int groups, float eps);
int hgc_group_norm_grad(const float* dy, const float* x, const float* g, const float* mean, const float* rstd, float* dx, float* dg,
                         float* db, int n, int hw, int c, int groups);

#endif
