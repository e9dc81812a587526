// The ResNet encoder, `resnet(depth:, width:, pool:)` (issue 16): the small convolutional network
// most researchers train on 28×28 and 32×32 images, over the images themselves (no tokenizer).
//
//   stem     conv 3×3 (1 → W channels), GN, ReLU; stride 1 by default (small images keep their
//            resolution, as in the CIFAR ResNets), `stem_stride: 2` halves it (every stage then costs a
//            quarter: the ImageNet ResNets' stem downsamples 4× for the same reason)
//   stage k  basic blocks: conv 3×3 (stride 2 in the first block of stages 2…), GN, ReLU,
//            conv 3×3, GN; + shortcut (identity, or conv 1×1 with the stride + GN where the size
//            or channels change); ReLU. Stage k has W·2^(k−1) channels.
//   depth    8 → stages [1, 1, 1] (1 + 2·3 convolutions + the probe's layer), 10 → [1, 1, 1, 1],
//            18 → [2, 2, 2, 2], as the ResNet papers count.
//   .layer(k) stage k's output pooled over its positions (mean or max); .pooled the last stage's.
//
// Normalisation is GroupNorm (groups of channels per image), not BatchNorm: a BatchNorm network
// carries running statistics besides its weights (state the checkpoints, the EMA copies of issue 15
// and the init baseline would all have to handle) and behaves differently in training and
// evaluation; GroupNorm is a function of one image, so the features of an image do not depend on
// the batch it was in, micro-batching changes nothing, and runs are deterministic on any backend.
// Convolutions have no bias (each is followed by a norm). Weights are He-normal (std √(2/fan_in)).

import type { IRResNetEncoder } from "../compiler/ir.js";
import { tf } from "./backend.js";
import { conv2d, groupNorm } from "./kernels/conv.js";

export const GN_EPS = 1e-5;

/** How the model makes its seeded, named variables. */
export interface ParamMaker {
  normal(name: string, shape: number[], std: number): tf.Variable;
  constant(name: string, shape: number[], value: number): tf.Variable;
}

interface ConvNorm {
  w: tf.Variable; // [k, k, in, out]
  g: tf.Variable; // [out]
  b: tf.Variable; // [out]
  stride: number;
}

interface BasicBlock {
  a: ConvNorm;
  b: ConvNorm;
  shortcut: ConvNorm | null;
}

export interface ResNetOutput {
  pooled: tf.Tensor2D; // [n, C]
  /** Each stage's output pooled, when asked for: `.layer(k)` is stages[k−1]. */
  blocks?: tf.Tensor2D[];
}

/** Groups of a GroupNorm over c channels: the largest divisor of c that is at most 8. */
export function groupsFor(c: number): number {
  for (let g = Math.min(8, c); g > 1; g--) if (c % g === 0) return g;
  return 1;
}

export class ResNet {
  private readonly stem: ConvNorm;
  private readonly stages: BasicBlock[][] = [];

  constructor(
    readonly ir: IRResNetEncoder,
    make: ParamMaker,
  ) {
    const convNorm = (name: string, k: number, cin: number, cout: number, stride: number): ConvNorm => ({
      w: make.normal(`${name}.w`, [k, k, cin, cout], Math.sqrt(2 / (k * k * cin))),
      g: make.constant(`${name}.gn.g`, [cout], 1),
      b: make.constant(`${name}.gn.b`, [cout], 0),
      stride,
    });
    const p = ir.name;
    this.stem = convNorm(`${p}.stem`, 3, 1, ir.channels[0]!, ir.stemStride ?? 1);
    let cin = ir.channels[0]!;
    ir.blocks.forEach((count, s) => {
      const cout = ir.channels[s]!;
      const blocks: BasicBlock[] = [];
      for (let i = 0; i < count; i++) {
        const stride = s > 0 && i === 0 ? 2 : 1;
        const name = `${p}.stage${s + 1}.${i}`;
        blocks.push({
          a: convNorm(`${name}.conv1`, 3, cin, cout, stride),
          b: convNorm(`${name}.conv2`, 3, cout, cout, 1),
          shortcut: stride !== 1 || cin !== cout ? convNorm(`${name}.shortcut`, 1, cin, cout, stride) : null,
        });
        cin = cout;
      }
      this.stages.push(blocks);
    });
  }

  /** The network over images x [n, h, w, 1] (call inside tf.tidy). */
  forward(x: tf.Tensor4D, opts: { blocks?: boolean } = {}): ResNetOutput {
    let h = tf.relu(this.convNorm(x, this.stem)) as tf.Tensor4D;
    const blocks: tf.Tensor2D[] | undefined = opts.blocks ? [] : undefined;
    this.stages.forEach((stage, s) => {
      for (const b of stage) {
        const main = this.convNorm(tf.relu(this.convNorm(h, b.a)) as tf.Tensor4D, b.b);
        const skip = b.shortcut ? this.convNorm(h, b.shortcut) : h;
        h = tf.relu(tf.add(main, skip)) as tf.Tensor4D;
      }
      if (blocks && s + 1 < this.stages.length) blocks.push(this.pool(h));
    });
    const pooled = this.pool(h);
    blocks?.push(pooled);
    return blocks ? { pooled, blocks } : { pooled };
  }

  /**
   * Every convolution of the network over h×w images, in order: its output's values per image
   * (oh·ow·out) and its im2col matrix's (oh·ow·k·k·in) — what the memory estimate reads
   * (runtime/memory.ts). "same" and the 1×1 "valid" shortcut both give ⌈size/stride⌉.
   */
  convShapes(h: number, w: number): { out: number; taps: number }[] {
    const out: { out: number; taps: number }[] = [];
    const add = (c: ConvNorm) => {
      h = Math.ceil(h / c.stride);
      w = Math.ceil(w / c.stride);
      const [k, , cin, cout] = c.w.shape as [number, number, number, number];
      out.push({ out: h * w * cout, taps: h * w * k * k * cin });
    };
    add(this.stem);
    for (const stage of this.stages) {
      for (const b of stage) {
        const [ih, iw] = [h, w];
        add(b.a);
        add(b.b);
        if (b.shortcut) {
          [h, w] = [ih, iw];
          add(b.shortcut);
        }
      }
    }
    return out;
  }

  private convNorm(x: tf.Tensor4D, c: ConvNorm): tf.Tensor4D {
    const k = c.w.shape[0]!;
    const y = conv2d(x, c.w as unknown as tf.Tensor4D, c.stride, k === 1 ? "valid" : "same");
    return groupNorm(y, c.g, c.b, groupsFor(c.w.shape[3]!), GN_EPS);
  }

  private pool(h: tf.Tensor4D): tf.Tensor2D {
    return (this.ir.pool === "max" ? tf.max(h, [1, 2]) : tf.mean(h, [1, 2])) as tf.Tensor2D;
  }
}
