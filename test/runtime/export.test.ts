import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { exportRun } from "../../runtime/export-run.js";
import { decodeSafetensors, encodeSafetensors } from "../../runtime/export.js";
import { loadCheckpoint, listCheckpoints } from "../../runtime/checkpoint.js";
import { runExperiment } from "../../runtime/run.js";
import { tinyIr } from "./fixtures.js";

/** A reader written from the safetensors spec alone (not our decoder), as PyTorch's would read it. */
function parseBySpec(buf: Buffer): { header: Record<string, any>; data: Buffer } {
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString("utf8"));
  return { header, data: buf.subarray(8 + n) };
}

describe("safetensors", () => {
  it("round-trips named float32 tensors and metadata", () => {
    const tensors = [
      { name: "a.w", shape: [2, 3], data: Float32Array.from([1, -2, 3.5, 1e-8, -0, 6e30]) },
      { name: "b", shape: [4], data: Float32Array.from([0.1, 0.2, 0.3, Math.PI]) },
    ];
    const buf = encodeSafetensors(tensors, { step: "7" });
    const back = decodeSafetensors(buf);
    expect(back.metadata).toEqual({ step: "7" });
    expect(back.tensors.map((t) => [t.name, t.shape])).toEqual([["a.w", [2, 3]], ["b", [4]]]);
    back.tensors.forEach((t, i) => expect(Array.from(t.data)).toEqual(Array.from(tensors[i]!.data)));
  });

  it("lays the file out as the spec says: u64 header length, 8-byte aligned JSON, contiguous F32 data", () => {
    const buf = encodeSafetensors([
      { name: "x", shape: [3], data: Float32Array.from([1, 2, 3]) },
      { name: "y", shape: [1, 2], data: Float32Array.from([4, 5]) },
    ]);
    const n = Number(buf.readBigUInt64LE(0));
    expect((8 + n) % 8).toBe(0);
    const { header, data } = parseBySpec(buf);
    expect(header.x).toEqual({ dtype: "F32", shape: [3], data_offsets: [0, 12] });
    expect(header.y).toEqual({ dtype: "F32", shape: [1, 2], data_offsets: [12, 20] });
    expect(data.length).toBe(20);
    expect(data.readFloatLE(12)).toBe(4);
  });

  it("rejects a truncated file with a clear message", () => {
    const buf = encodeSafetensors([{ name: "x", shape: [3], data: Float32Array.from([1, 2, 3]) }]);
    expect(() => decodeSafetensors(buf.subarray(0, buf.length - 4), "w.safetensors")).toThrow(/w.safetensors is not a valid safetensors file: x's data/);
  });

  it("exports a run's weights exactly as its last checkpoint holds them", async () => {
    const out = mkdtempSync(join(tmpdir(), "hgc-export-"));
    await runExperiment({ ir: tinyIr({ steps: 3 }), out, backend: "wasm", evaluate: false });
    const r = await exportRun(out, { out: join(out, "w.safetensors") });
    expect(r.step).toBe(3);
    const { header, data } = parseBySpec(readFileSync(r.path));
    expect(header.__metadata__).toMatchObject({ format: "pt", experiment: "tiny", step: "3" });
    const ckpt = loadCheckpoint(listCheckpoints(out).at(-1)!.path);
    expect(Object.keys(header).filter((k) => k !== "__metadata__").sort()).toEqual([...ckpt.weights.keys()].sort());
    const qkv = header["enc.h.0.attn.qkv.w"];
    expect(qkv.shape).toEqual([16, 48]);
    const [begin] = qkv.data_offsets;
    const first = Array.from({ length: 5 }, (_, i) => data.readFloatLE(begin + 4 * i));
    expect(first).toEqual(Array.from(ckpt.weights.get("enc.h.0.attn.qkv.w")!.subarray(0, 5)));
  });
});
