// Adam, AdamW and SGD with momentum on tf ops, with state we own (so a checkpoint holds it all
// and a resumed run continues bit for bit):
//   adam:  g ← g + wd·θ (L2);  m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;
//          θ ← θ − lr · m̂ / (√v̂ + ε),  m̂ = m/(1−β1^t), v̂ = v/(1−β2^t)
//   adamw: as adam without the L2 term, and first θ ← θ·(1 − lr·wd) for matrices only
//          (decoupled weight decay; LayerNorm gains, biases and the start vector are not decayed)
//   sgd:   g ← g + wd·θ;  b ← μ·b + g;  θ ← θ − lr·b
// Gradients arrive already scaled by the clipping factor.

import type { IROptimizer } from "../compiler/ir.js";
import { tf } from "./backend.js";
import type { Param } from "./model.js";

export class Optimizer {
  /** Updates taken so far (Adam's t after the last update). */
  t = 0;
  /** Per parameter: Adam's first and second moments, or SGD's momentum buffer (second unused). */
  private readonly slots: { m: tf.Variable; v: tf.Variable | null }[];

  constructor(
    readonly ir: IROptimizer,
    readonly params: Param[],
  ) {
    const adam = ir.kind !== "sgd";
    this.slots = params.map((p) => ({
      m: zerosVariable(p.shape),
      v: adam ? zerosVariable(p.shape) : null,
    }));
  }

  /** Apply one update. `grads[i]` belongs to params[i]; null for a parameter the objective does not reach (left untouched). */
  apply(grads: (tf.Tensor | null)[], lr: number, gradScale: number): void {
    this.t += 1;
    const { kind, beta1, beta2, eps, momentum, weightDecay: wd } = this.ir;
    const t = this.t;
    tf.tidy(() => {
      const scale = tf.scalar(gradScale);
      const bc1 = 1 - Math.pow(beta1, t);
      const bc2 = 1 - Math.pow(beta2, t);
      this.params.forEach((p, i) => {
        const g0 = grads[i];
        if (!g0) return;
        const theta = p.variable;
        const slot = this.slots[i]!;
        let g: tf.Tensor = gradScale === 1 ? g0 : tf.mul(g0, scale);
        if (kind === "sgd") {
          if (wd > 0) g = tf.add(g, tf.mul(theta, wd));
          const b = momentum > 0 ? tf.add(tf.mul(slot.m, momentum), g) : g;
          if (momentum > 0) slot.m.assign(b);
          theta.assign(tf.sub(theta, tf.mul(b, lr)));
          return;
        }
        if (kind === "adam" && wd > 0) g = tf.add(g, tf.mul(theta, wd));
        const m = tf.add(tf.mul(slot.m, beta1), tf.mul(g, 1 - beta1));
        const v = tf.add(tf.mul(slot.v!, beta2), tf.mul(tf.square(g), 1 - beta2));
        slot.m.assign(m);
        slot.v!.assign(v);
        const update = tf.div(tf.div(m, bc1), tf.add(tf.sqrt(tf.div(v, bc2)), eps));
        let base: tf.Tensor = theta;
        if (kind === "adamw" && wd > 0 && p.decay) base = tf.mul(theta, 1 - lr * wd);
        theta.assign(tf.sub(base, tf.mul(update, lr)));
      });
    });
  }

  /** The optimizer's tensors by name (`<param>.m`, `<param>.v`), for checkpoints. */
  async readState(): Promise<{ name: string; shape: number[]; data: Float32Array }[]> {
    const out: { name: string; shape: number[]; data: Float32Array }[] = [];
    for (let i = 0; i < this.params.length; i++) {
      const p = this.params[i]!;
      const s = this.slots[i]!;
      out.push({ name: `${p.name}.m`, shape: p.shape, data: (await s.m.data()) as Float32Array });
      if (s.v) out.push({ name: `${p.name}.v`, shape: p.shape, data: (await s.v.data()) as Float32Array });
    }
    return out;
  }

  writeState(t: number, tensors: Map<string, Float32Array>): void {
    this.t = t;
    this.params.forEach((p, i) => {
      const s = this.slots[i]!;
      for (const [key, variable] of [["m", s.m], ["v", s.v]] as const) {
        if (!variable) continue;
        const data = tensors.get(`${p.name}.${key}`);
        if (!data) throw new Error(`checkpoint has no optimizer state ${p.name}.${key}`);
        tf.tidy(() => variable.assign(tf.tensor(data, p.shape, "float32")));
      }
    });
  }

  dispose(): void {
    for (const s of this.slots) {
      s.m.dispose();
      s.v?.dispose();
    }
  }
}

function zerosVariable(shape: number[]): tf.Variable {
  const z = tf.zeros(shape);
  const v = tf.variable(z, false);
  z.dispose();
  return v;
}
