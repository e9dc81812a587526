// 2-D convolution for the ResNet encoder (runtime/resnet.ts), on every backend:
//   - wasm with the native kernels: one native im2col + GEMM kernel forward and one per gradient
//     (native/hgc_conv.c, registered by runtime/kernels/index.ts);
//   - plain wasm: the backend's Conv2D forward and Conv2DBackpropInput for the input's gradient;
//     it has no Conv2DBackpropFilter, so the filter's gradient is taken here as KH·KW products
//     xᵀ·dy of shifted (strided) slices of the padded input. Slow, but it trains;
//   - cpu and tensorflow: tf.conv2d and tfjs's own gradients (the reference the tests compare with).
// x is NHWC, w [KH, KW, C, O]; `pad` is tfjs's 'same' or 'valid'.
// GroupNorm, the ResNet's normalisation, likewise: one native kernel forward and one for its
// gradient where registered (its composite ops cost more than the convolutions), else the composite.

import { tf } from "../backend.js";

export type ConvPad = "same" | "valid";

/** True when the wasm backend has the three native convolution kernels. */
function nativeReady(): boolean {
  return tf.getBackend() === "wasm" && ["HgcConv2D", "HgcConv2DGradInput", "HgcConv2DGradFilter"].every((k) => tf.getKernel(k, "wasm") !== undefined);
}

/** True when the convolutions and GroupNorms run as native kernels (the memory estimate's cheaper case, runtime/memory.ts). */
export function nativeConvolutions(): boolean {
  return nativeReady() && nativeGroupNorm();
}

function nativeGroupNorm(): boolean {
  return tf.getBackend() === "wasm" && tf.getKernel("HgcGroupNorm", "wasm") !== undefined && tf.getKernel("HgcGroupNormGrad", "wasm") !== undefined;
}

/** The geometry tfjs gives the forward convolution: [n, h, w, c, kh, kw, o, stride, padTop, padLeft, oh, ow]. */
function geometry(x: tf.Tensor4D, w: tf.Tensor4D, stride: number, pad: ConvPad): number[] {
  const info = tf.backend_util.computeConv2DInfo(x.shape, w.shape, [stride, stride], [1, 1], pad);
  const [n, h, wd, c] = x.shape;
  return [n, h, wd, c, w.shape[0], w.shape[1], w.shape[3], stride, info.padInfo.top, info.padInfo.left, info.outHeight, info.outWidth];
}

const convOps = new Map<string, (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor4D>();

/** conv(x, w) of one stride and padding as a custom op whose forward and gradients are the native kernels (native) or the composites (plain wasm). */
function convOp(stride: number, pad: ConvPad, native: boolean): (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor4D {
  const key = `${stride}:${pad}:${native}`;
  let op = convOps.get(key);
  if (op) return op;
  op = tf.customGrad(((x: tf.Tensor4D, w: tf.Tensor4D, save: tf.GradSaveFunc) => {
    save([x, w]);
    const shape = geometry(x, w, stride, pad);
    const [n, , , , , , o, , , , oh, ow] = shape as [number, number, number, number, number, number, number, number, number, number, number, number];
    const value = native
      ? (tf.engine().runKernel("HgcConv2D", { a: x, b: w }, { shape, outShape: [n, oh, ow, o] }) as tf.Tensor4D)
      : tf.conv2d(x, w, stride, pad);
    return {
      value,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const g = dy as tf.Tensor4D;
        const [xs, ws] = saved as [tf.Tensor4D, tf.Tensor4D];
        if (native) {
          return [
            tf.engine().runKernel("HgcConv2DGradInput", { a: g, b: ws }, { shape, outShape: xs.shape }) as tf.Tensor,
            tf.engine().runKernel("HgcConv2DGradFilter", { a: xs, b: g }, { shape, outShape: ws.shape }) as tf.Tensor,
          ];
        }
        return [tf.conv2dTranspose(g, ws, xs.shape, stride, pad), filterGradComposite(xs, g, ws.shape, shape)];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor4D;
  convOps.set(key, op);
  return op;
}

/**
 * dw [KH, KW, C, O] = Σ over positions of x's window value · dy, one product per filter tap:
 * tap (ky, kx) reads the padded input at (oy·s + ky, ox·s + kx) for every output position.
 */
export function filterGradComposite(x: tf.Tensor4D, dy: tf.Tensor4D, wShape: number[], shape: number[]): tf.Tensor4D {
  const [n, h, w, c, kh, kw, o, s, top, left, oh, ow] = shape as [number, number, number, number, number, number, number, number, number, number, number, number];
  const bottom = Math.max(0, (oh - 1) * s + kh - h - top);
  const right = Math.max(0, (ow - 1) * s + kw - w - left);
  const padded = top || left || bottom || right ? tf.pad(x, [[0, 0], [top, bottom], [left, right], [0, 0]]) : x;
  const g = tf.reshape(dy, [n * oh * ow, o]) as tf.Tensor2D;
  const taps: tf.Tensor2D[] = [];
  for (let ky = 0; ky < kh; ky++) {
    for (let kx = 0; kx < kw; kx++) {
      const win = tf.stridedSlice(padded, [0, ky, kx, 0], [n, ky + (oh - 1) * s + 1, kx + (ow - 1) * s + 1, c], [1, s, s, 1]);
      taps.push(tf.matMul(tf.reshape(win, [n * oh * ow, c]) as tf.Tensor2D, g, true, false)); // [C, O]
    }
  }
  return tf.reshape(tf.stack(taps), wShape as [number, number, number, number]) as tf.Tensor4D;
}

/** conv(x, w) with a square stride and tfjs's padding (call inside tf.tidy). */
export function conv2d(x: tf.Tensor4D, w: tf.Tensor4D, stride: number, pad: ConvPad): tf.Tensor4D {
  if (nativeReady()) return convOp(stride, pad, true)(x, w);
  if (tf.getBackend() === "wasm") return convOp(stride, pad, false)(x, w);
  return tf.conv2d(x, w, stride, pad);
}

/** The composite path of plain wasm, for tests on any backend. */
export function conv2dComposite(x: tf.Tensor4D, w: tf.Tensor4D, stride: number, pad: ConvPad): tf.Tensor4D {
  return convOp(stride, pad, false)(x, w);
}

/** GroupNorm of x [n, h, w, c]: each image's channels in `groups` groups, normalised over (h, w, c/groups), then ·g + b per channel. */
export function groupNormComposite(x: tf.Tensor4D, g: tf.Tensor, b: tf.Tensor, groups: number, eps: number): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const xg = tf.reshape(x, [n, h * w, groups, c / groups]);
  const mean = tf.mean(xg, [1, 3], true);
  const xc = tf.sub(xg, mean);
  const variance = tf.mean(tf.square(xc), [1, 3], true);
  const xn = tf.reshape(tf.mul(xc, tf.rsqrt(tf.add(variance, eps))), [n, h, w, c]);
  return tf.add(tf.mul(xn, g), b) as tf.Tensor4D;
}

const groupNormOps = new Map<string, (x: tf.Tensor4D, g: tf.Tensor, b: tf.Tensor) => tf.Tensor4D>();

/** GroupNorm: the native kernels on wasm where registered, the composite ops elsewhere (call inside tf.tidy). */
export function groupNorm(x: tf.Tensor4D, g: tf.Tensor, b: tf.Tensor, groups: number, eps: number): tf.Tensor4D {
  if (!nativeGroupNorm() || x.shape[3] % groups !== 0) return groupNormComposite(x, g, b, groups, eps);
  const key = `${groups}:${eps}`;
  let op = groupNormOps.get(key);
  if (!op) {
    op = tf.customGrad(((xs: tf.Tensor, gs: tf.Tensor, bs: tf.Tensor, save: tf.GradSaveFunc) => {
      const [y, mean, rstd] = tf.engine().runKernel("HgcGroupNorm", { x: xs, g: gs, b: bs }, { groups, eps }) as tf.Tensor[];
      save([xs, gs, mean!, rstd!]);
      return {
        value: y!,
        gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
          const [sx, sg, m, r] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
          return tf.engine().runKernel("HgcGroupNormGrad", { dy: dy as tf.Tensor, x: sx, g: sg, mean: m, rstd: r }, { groups }) as tf.Tensor[];
        },
      };
    }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor4D, g: tf.Tensor, b: tf.Tensor) => tf.Tensor4D;
    groupNormOps.set(key, op);
  }
  return op(x, g, b);
}
