// Shared declarations of the addon's C parts: the built-in GEMM (hgc_gemm.c), the thread pool
// (hgc_pool.c) and the fused attention (hgc_attention.c). The N-API glue is hgc_blas.c.
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

#endif
