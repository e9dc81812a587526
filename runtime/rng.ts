// A small seeded PRNG (sfc32, 128 bits of state) so that every random choice hgc makes — splits,
// synthetic images, augmentations, batch order, initialisation — is reproducible from one seed
// and resumable from a checkpoint. Math.random is never used by the runtime.

/** 32-bit FNV-1a of a string, then avalanched: used to turn labels into seeds. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return mix32(h);
}

/** A murmur3-style finaliser: spreads every input bit over the whole word. */
function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

type Shuffleable = { length: number; [index: number]: unknown };

export class Rng {
  private a = 0;
  private b = 0;
  private c = 0;
  private d = 0;

  /** A number seed uses its integer part and, for large seeds, its high bits; a string is hashed. */
  constructor(seed: number | string = 0) {
    if (typeof seed === "string") {
      this.seedWords(hashString(seed), hashString(`${seed}\u0001`), 0x9e3779b9, 0);
    } else {
      if (!Number.isFinite(seed)) throw new RangeError(`Rng seed must be finite, got ${seed}`);
      const s = Math.trunc(seed);
      const lo = s >>> 0;
      const hi = Math.floor(s / 0x100000000) >>> 0;
      this.seedWords(lo, hi, 0x9e3779b9, 0x7f4a7c15);
    }
  }

  /** Restore a generator from `getState()` output. */
  static fromState(state: readonly number[]): Rng {
    const r = new Rng(0);
    r.setState(state);
    return r;
  }

  private seedWords(w0: number, w1: number, w2: number, w3: number): void {
    // splitmix-style expansion of the seed words into four state words, then the warm-up that
    // sfc32's author recommends so that nearby seeds give unrelated streams.
    let x = mix32(w0 ^ 0x2545f491);
    this.a = x;
    x = mix32(x ^ w1 ^ 0x6c078965);
    this.b = x;
    x = mix32(x ^ w2);
    this.c = x;
    x = mix32(x ^ w3 ^ 0x1b873593);
    this.d = x | 1;
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A uniform float in [0, 1). */
  next(): number {
    return this.nextUint32() / 0x100000000;
  }

  /** A uniform float in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** A uniform integer in [0, n), without modulo bias. `n` must be an integer in [1, 2^32]. */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 0x100000000) throw new RangeError(`Rng.int needs an integer n in [1, 2^32], got ${n}`);
    // Rejection of the top partial block keeps every value equally likely.
    const limit = 0x100000000 - (0x100000000 % n);
    for (;;) {
      const x = this.nextUint32();
      if (x < limit) return x % n;
    }
  }

  /** True with probability p. */
  bernoulli(p: number): boolean {
    return this.next() < p;
  }

  /** A standard normal draw (Box–Muller; no cached spare, so the state is just the four words). */
  normal(mean = 0, std = 1): number {
    const u1 = 1 - this.next(); // (0, 1]: log is finite
    const u2 = this.next();
    return mean + std * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** Fisher–Yates shuffle in place; returns the same array. */
  shuffle<T extends Shuffleable>(array: T): T {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = array[i];
      array[i] = array[j];
      array[j] = tmp;
    }
    return array;
  }

  /** A uniformly random permutation of 0..n-1. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return this.shuffle(p);
  }

  /**
   * An independent child stream derived from this generator's current state and `label`.
   * Forking does not advance the parent, so `fork("a")` and `fork("b")` taken at the same point
   * are reproducible and unrelated, and the parent's own stream is unchanged by forking.
   */
  fork(label: string | number): Rng {
    const h = hashString(String(label));
    const child = new Rng(0);
    child.seedWords(mix32(this.a ^ h), mix32(this.b ^ Math.imul(h, 0x9e3779b1)), this.c ^ 0x85ebca6b, (this.d ^ h) >>> 0);
    return child;
  }

  /** The four state words (unsigned 32-bit integers); `setState` resumes exactly from them. */
  getState(): number[] {
    return [this.a >>> 0, this.b >>> 0, this.c >>> 0, this.d >>> 0];
  }

  setState(state: readonly number[]): void {
    if (state.length !== 4 || state.some((v) => !Number.isInteger(v) || v < 0 || v > 0xffffffff)) {
      throw new RangeError(`Rng state must be four unsigned 32-bit integers, got ${JSON.stringify(state)}`);
    }
    this.a = state[0] | 0;
    this.b = state[1] | 0;
    this.c = state[2] | 0;
    this.d = state[3] | 0;
  }
}
