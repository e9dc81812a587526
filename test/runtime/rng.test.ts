import { describe, expect, it } from "vitest";
import { Rng, hashString } from "../../runtime/rng.js";

const draw = (r: Rng, k: number): number[] => Array.from({ length: k }, () => r.nextUint32());

describe("Rng", () => {
  it("gives the same stream for the same seed and different streams for nearby seeds", () => {
    expect(draw(new Rng(7), 20)).toEqual(draw(new Rng(7), 20));
    expect(draw(new Rng(7), 20)).not.toEqual(draw(new Rng(8), 20));
    expect(draw(new Rng("a"), 5)).toEqual(draw(new Rng("a"), 5));
    expect(draw(new Rng("a"), 5)).not.toEqual(draw(new Rng("b"), 5));
  });

  it("resumes exactly from a saved state", () => {
    const r = new Rng(123);
    draw(r, 37);
    const state = r.getState();
    const expected = [r.next(), r.normal(), r.int(10), r.uniform(-2, 3)];
    const resumed = Rng.fromState(state);
    expect([resumed.next(), resumed.normal(), resumed.int(10), resumed.uniform(-2, 3)]).toEqual(expected);
    expect(JSON.parse(JSON.stringify(state))).toEqual(state);
  });

  it("rejects a malformed state", () => {
    expect(() => new Rng(1).setState([1, 2, 3])).toThrow(RangeError);
    expect(() => new Rng(1).setState([1, 2, 3, -1])).toThrow(RangeError);
  });

  it("forks reproducible child streams without advancing the parent", () => {
    const p = new Rng(5);
    const before = p.getState();
    const a1 = draw(p.fork("view1"), 10);
    const b = draw(p.fork("view2"), 10);
    expect(p.getState()).toEqual(before);
    expect(draw(p.fork("view1"), 10)).toEqual(a1);
    expect(a1).not.toEqual(b);
    expect(a1).not.toEqual(draw(new Rng(5), 10));
  });

  it("draws uniform floats in [0, 1) with the right mean and integers without bias", () => {
    const r = new Rng(1);
    let sum = 0;
    let outside = 0;
    const counts = new Array(7).fill(0);
    const N = 70000;
    for (let i = 0; i < N; i++) {
      const x = r.next();
      if (!(x >= 0 && x < 1)) outside++;
      sum += x;
      counts[r.int(7)]++;
    }
    expect(outside).toBe(0);
    expect(Math.abs(sum / N - 0.5)).toBeLessThan(0.01);
    for (const c of counts) expect(Math.abs(c - N / 7)).toBeLessThan(400);
  });

  it("draws normals with mean 0 and std 1", () => {
    const r = new Rng(2);
    let s = 0;
    let s2 = 0;
    const N = 50000;
    for (let i = 0; i < N; i++) {
      const z = r.normal();
      s += z;
      s2 += z * z;
    }
    expect(Math.abs(s / N)).toBeLessThan(0.02);
    expect(Math.abs(Math.sqrt(s2 / N - (s / N) ** 2) - 1)).toBeLessThan(0.02);
  });

  it("shuffles into a permutation and every position is reachable", () => {
    const r = new Rng(3);
    const p = r.permutation(100);
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    const firsts = new Set<number>();
    for (let i = 0; i < 400; i++) firsts.add(r.shuffle([0, 1, 2, 3, 4])[0]);
    expect(firsts.size).toBe(5);
  });

  it("hashes strings to 32-bit unsigned integers that differ for different labels", () => {
    expect(hashString("x")).toBe(hashString("x"));
    expect(hashString("x")).not.toBe(hashString("y"));
    expect(hashString("x")).toBeGreaterThanOrEqual(0);
    expect(hashString("x")).toBeLessThan(2 ** 32);
  });
});
