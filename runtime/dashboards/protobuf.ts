// The few protobuf wire-format pieces the dashboards need (varints, length-delimited fields,
// 32- and 64-bit floats), written by hand: TensorBoard's `Event` and `Summary` messages use no
// more, and a generated-code dependency would be larger than this file.

/** A message under construction: fields are appended in the order written. */
export class ProtoWriter {
  private chunks: Uint8Array[] = [];

  private push(bytes: Uint8Array): this {
    this.chunks.push(bytes);
    return this;
  }

  private key(field: number, wire: number): this {
    return this.push(varint(field * 8 + wire));
  }

  /** An unsigned or non-negative integer field (wire type 0). */
  uint(field: number, value: number | bigint): this {
    return this.key(field, 0).push(varint(value));
  }

  /** A `double` field (wire type 1, little-endian). */
  double(field: number, value: number): this {
    const b = Buffer.alloc(8);
    b.writeDoubleLE(value);
    return this.key(field, 1).push(b);
  }

  /** A `float` field (wire type 5, little-endian). */
  float(field: number, value: number): this {
    const b = Buffer.alloc(4);
    b.writeFloatLE(value);
    return this.key(field, 5).push(b);
  }

  /** A `bytes`, `string` or embedded-message field (wire type 2). */
  bytes(field: number, value: Uint8Array | string | ProtoWriter): this {
    const b = typeof value === "string" ? Buffer.from(value, "utf8") : value instanceof ProtoWriter ? value.finish() : value;
    return this.key(field, 2).push(varint(b.length)).push(b);
  }

  finish(): Uint8Array {
    return Buffer.concat(this.chunks);
  }
}

/** Base-128 varint of a non-negative integer. */
export function varint(value: number | bigint): Uint8Array {
  let v = BigInt(value);
  if (v < 0n) throw new Error(`varint of a negative number: ${value}`);
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    out.push(byte);
  } while (v > 0n);
  return Uint8Array.from(out);
}
