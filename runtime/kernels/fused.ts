// GELU, LayerNorm and multi-head self-attention as single ops, forward and gradient, where the native kernels are registered
// (runtime/kernels/index.ts), and as the composite tf ops everywhere else. The composite forms are
// the model's own definitions; the fused ones compute the same function in one pass over the data
// (the composite GELU is ~10 elementwise passes forward and ~20 in its gradient, each streaming a
// [rows, mlp·width] tensor through memory).
//
// The fused path is taken when the backend is wasm and the native kernels are registered; the
// value is the same to float32 rounding (tanh by a rational approximation within a few ulps, row
// statistics accumulated in double).

import { tf } from "../backend.js";
import { nativeKernels } from "./index.js";

/** Names of the custom kernels registered for the wasm backend by registerNativeKernels(). */
export const FUSED_KERNELS = ["HgcGelu", "HgcGeluGrad", "HgcLayerNorm", "HgcLayerNormGrad", "HgcAttention", "HgcAttentionGrad"] as const;

/** True when the wasm backend is active and has both kernels (forward and gradient) registered. */
function fusedReady(forward: string, gradient: string): boolean {
  return tf.getBackend() === "wasm" && tf.getKernel(forward, "wasm") !== undefined && tf.getKernel(gradient, "wasm") !== undefined;
}

/** True when GELU, LayerNorm and attention all run fused (the memory estimate's cheaper case, runtime/memory.ts). */
export function fusedTransformer(): boolean {
  return fusedReady("HgcGelu", "HgcGeluGrad") && fusedReady("HgcLayerNorm", "HgcLayerNormGrad") && fusedReady("HgcAttention", "HgcAttentionGrad");
}

/** GELU, tanh approximation (GPT-2's): 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). */
export function geluComposite(x: tf.Tensor2D): tf.Tensor2D {
  const inner = tf.mul(tf.add(x, tf.mul(tf.mul(tf.square(x), x), 0.044715)), Math.sqrt(2 / Math.PI));
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1));
}

/** LayerNorm over the last axis of [rows, width] with gain g and bias b. */
export function layerNormComposite(x: tf.Tensor2D, g: tf.Tensor, b: tf.Tensor, eps: number): tf.Tensor2D {
  const mean = tf.mean(x, -1, true); // [rows, 1]
  const xc = tf.sub(x, mean);
  const variance = tf.mean(tf.square(xc), -1, true); // [rows, 1]
  return tf.add(tf.mul(tf.mul(xc, tf.rsqrt(tf.add(variance, eps))), g), b);
}

function geluFused() {
  return tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
    save([x]);
    return {
      value: tf.engine().runKernel("HgcGelu", { x }, {}) as tf.Tensor,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => [tf.engine().runKernel("HgcGeluGrad", { x: saved[0]!, dy: dy as tf.Tensor }, {}) as tf.Tensor],
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
}

// Made on first use, not at import: runtime/backend.ts imports the kernels, and this module must
// not touch tf before backend.ts has finished loading.
let geluOp: ReturnType<typeof geluFused> | null = null;

/** GELU of [rows, cols]: fused on wasm with the native kernels, the composite ops elsewhere. */
export function gelu(x: tf.Tensor2D): tf.Tensor2D {
  if (!fusedReady("HgcGelu", "HgcGeluGrad") || x.dtype !== "float32") return geluComposite(x);
  geluOp ??= geluFused();
  return geluOp(x) as tf.Tensor2D;
}

function layerNormFused(eps: number) {
  return tf.customGrad(((x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
    const [y, mean, rstd] = tf.engine().runKernel("HgcLayerNorm", { x, g, b }, { eps }) as tf.Tensor[];
    save([x, g, mean!, rstd!]);
    return {
      value: y!,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [xs, gs, m, r] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
        return tf.engine().runKernel("HgcLayerNormGrad", { dy: dy as tf.Tensor, x: xs, g: gs, mean: m, rstd: r }, {}) as tf.Tensor[];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
}

const layerNormByEps = new Map<number, ReturnType<typeof layerNormFused>>();

/** LayerNorm over the last axis of [rows, width]: fused on wasm with the native kernels, the composite ops elsewhere. */
export function layerNorm(x: tf.Tensor2D, g: tf.Tensor, b: tf.Tensor, eps: number): tf.Tensor2D {
  const width = x.shape[1];
  if (!fusedReady("HgcLayerNorm", "HgcLayerNormGrad") || x.dtype !== "float32" || g.shape.length !== 1 || b.shape.length !== 1 || g.shape[0] !== width || b.shape[0] !== width) {
    return layerNormComposite(x, g, b, eps);
  }
  let f = layerNormByEps.get(eps);
  if (!f) layerNormByEps.set(eps, (f = layerNormFused(eps)));
  return f(x, g, b) as tf.Tensor2D;
}

/**
 * Multi-head self-attention from qkv [n·T, 3D] as tf ops: split, heads apart, softmax(q·kᵀ/√dh +
 * mask)·v, heads merged back to [n·T, D]. `mask` is additive [T, T] (−1e9 above the diagonal for a
 * causal encoder) or null.
 */
export function attentionComposite(qkv: tf.Tensor2D, n: number, T: number, H: number, mask: tf.Tensor2D | null): tf.Tensor2D {
  const D = qkv.shape[1] / 3;
  const dh = D / H;
  const [q0, k0, v0] = tf.split(qkv, 3, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D]; // each [n·T, D]
  const q = tf.transpose(tf.reshape(tf.mul(q0, 1 / Math.sqrt(dh)), [n, T, H, dh]), [0, 2, 1, 3]); // [n, H, T, dh]
  // k is laid out [n, H, dh, T] so that q·k is a plain (untransposed) batched product.
  const kT = tf.transpose(tf.reshape(k0, [n, T, H, dh]), [0, 2, 3, 1]); // [n, H, dh, T]
  const v = tf.transpose(tf.reshape(v0, [n, T, H, dh]), [0, 2, 1, 3]); // [n, H, T, dh]
  let scores = tf.matMul(q as tf.Tensor4D, kT as tf.Tensor4D); // [n, H, T, T]
  if (mask) scores = tf.add(scores, mask);
  const att = tf.softmax(scores); // [n, H, T, T]; masked entries are exactly 0
  const y = tf.matMul(att, v as tf.Tensor4D); // [n, H, T, dh]
  return tf.reshape(tf.transpose(y, [0, 2, 1, 3]), [n * T, D]) as tf.Tensor2D; // [n·T, D]
}

function attentionFused(n: number, T: number, heads: number, causal: boolean) {
  return tf.customGrad(((qkv: tf.Tensor, save: tf.GradSaveFunc) => {
    const [y, p] = tf.engine().runKernel("HgcAttention", { qkv }, { n, T, heads, causal }) as tf.Tensor[];
    save([qkv, p!]);
    return {
      value: y!,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => [tf.engine().runKernel("HgcAttentionGrad", { dy: dy as tf.Tensor, qkv: saved[0]!, p: saved[1]! }, {}) as tf.Tensor],
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
}

const attentionByShape = new Map<string, ReturnType<typeof attentionFused>>();

/**
 * Multi-head self-attention of n sequences of T positions from their qkv projection [n·T, 3D]
 * (q, k and v side by side, each head's dh = D/heads columns in order): softmax(q·kᵀ/√dh, causal
 * mask) · v with the heads merged back, [n·T, D]. Null where the fused kernel is not registered:
 * the model then runs its composite ops (runtime/model.ts), which compute the same function.
 */
export function attention(qkv: tf.Tensor2D, n: number, T: number, heads: number, causal: boolean): tf.Tensor2D | null {
  if (!fusedReady("HgcAttention", "HgcAttentionGrad") || qkv.dtype !== "float32" || qkv.shape[0] !== n * T || qkv.shape[1] % (3 * heads) !== 0) return null;
  const key = `${n},${T},${heads},${causal}`;
  let f = attentionByShape.get(key);
  if (!f) attentionByShape.set(key, (f = attentionFused(n, T, heads, causal)));
  return f(qkv) as tf.Tensor2D;
}

/**
 * a·b with either operand transposed, in whichever form is fast on the kernels in use: the
 * transpose flags where BLAS serves BatchMatMul (a transposed operand costs sgemm nothing), an
 * explicit transpose then a plain product on the wasm backend's own kernels (whose transposed
 * paths are ~10× slower than a copy plus the plain path). The same products either way.
 */
export function matMulT(a: tf.Tensor2D, b: tf.Tensor2D, transposeA: boolean, transposeB: boolean): tf.Tensor2D {
  const blas = nativeKernels()?.kernels.some((k) => k.startsWith("BatchMatMul")) ?? false;
  if (tf.getBackend() !== "wasm" || blas || (!transposeA && !transposeB)) return tf.matMul(a, b, transposeA, transposeB);
  return tf.matMul(transposeA ? tf.transpose(a) : a, transposeB ? tf.transpose(b) : b);
}
