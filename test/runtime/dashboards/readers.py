#!/usr/bin/python3
"""Independent readers for the files `hgc run --log tensorboard|mlflow` writes, for the tests.

Written from the formats' documentation, not from hgc's writers: TFRecord framing with masked
CRC32C (computed bit by bit here, not from a table), protobuf decoded field by field against
TensorBoard's event.proto / summary.proto numbers, and MLflow's file-store layout. Standard
library only. Prints one JSON document on stdout; exits 1 with a message on any violation.

usage: readers.py tfevents FILE...    readers.py mlflow ROOT
"""
import json
import os
import struct
import sys


def crc32c(data):
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def masked(data):
    crc = crc32c(data)
    return ((((crc >> 15) | (crc << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF


def fail(message):
    print(message, file=sys.stderr)
    sys.exit(1)


def records(path):
    with open(path, "rb") as f:
        blob = f.read()
    pos = 0
    while pos < len(blob):
        if pos + 12 > len(blob):
            fail(f"{path}: truncated record header at byte {pos}")
        header = blob[pos:pos + 8]
        (length,) = struct.unpack("<Q", header)
        (hcrc,) = struct.unpack("<I", blob[pos + 8:pos + 12])
        if hcrc != masked(header):
            fail(f"{path}: bad length CRC at byte {pos}")
        data = blob[pos + 12:pos + 12 + length]
        if len(data) != length or pos + 16 + length > len(blob):
            fail(f"{path}: truncated record at byte {pos}")
        (dcrc,) = struct.unpack("<I", blob[pos + 12 + length:pos + 16 + length])
        if dcrc != masked(data):
            fail(f"{path}: bad data CRC at byte {pos}")
        yield data
        pos += 16 + length


def fields(buf):
    """(field number, wire type, value) triples of one protobuf message."""
    pos = 0
    out = []

    def varint():
        nonlocal pos
        shift = result = 0
        while True:
            b = buf[pos]
            pos += 1
            result |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                return result

    while pos < len(buf):
        key = varint()
        number, wire = key >> 3, key & 7
        if wire == 0:
            out.append((number, wire, varint()))
        elif wire == 1:
            out.append((number, wire, buf[pos:pos + 8]))
            pos += 8
        elif wire == 2:
            n = varint()
            out.append((number, wire, buf[pos:pos + n]))
            pos += n
        elif wire == 5:
            out.append((number, wire, buf[pos:pos + 4]))
            pos += 4
        else:
            fail(f"unsupported wire type {wire}")
    return out


def tfevents(paths):
    scalars, images, versions, events = {}, {}, [], 0
    for path in paths:
        for data in records(path):
            events += 1
            step, wall, summary = 0, None, None
            for number, wire, value in fields(data):
                if number == 1 and wire == 1:
                    (wall,) = struct.unpack("<d", value)
                elif number == 2 and wire == 0:
                    step = value
                elif number == 3 and wire == 2:
                    versions.append(value.decode())
                elif number == 5 and wire == 2:
                    summary = value
            if wall is None or wall < 1e9:
                fail(f"{path}: event without a plausible wall_time")
            if summary is None:
                continue
            for number, wire, value in fields(summary):
                if number != 1:
                    continue
                tag, simple, image = None, None, None
                for n, w, v in fields(value):
                    if n == 1:
                        tag = v.decode()
                    elif n == 2 and w == 5:
                        (simple,) = struct.unpack("<f", v)
                    elif n == 4 and w == 2:
                        image = {k: v2 for k, _, v2 in fields(v)}
                if simple is not None:
                    scalars.setdefault(tag, []).append([step, simple])
                if image is not None:
                    png = image.get(4, b"")
                    images.setdefault(tag, []).append({
                        "step": step,
                        "height": image.get(1),
                        "width": image.get(2),
                        "colorspace": image.get(3),
                        "png": png[:8] == b"\x89PNG\r\n\x1a\n",
                        "bytes": len(png),
                    })
    return {"events": events, "file_version": versions, "scalars": scalars, "images": images}


def yaml_map(path):
    """The flat `key: value` YAML MLflow's meta.yaml files hold."""
    out = {}
    with open(path) as f:
        for line in f:
            if not line.strip() or ":" not in line:
                continue
            key, value = line.split(":", 1)
            value = value.strip()
            if value.startswith("'") and value.endswith("'"):
                value = value[1:-1].replace("''", "'")
            elif value.lstrip("-").isdigit():
                value = int(value)
            out[key.strip()] = value
    return out


def mlflow(root):
    experiments = {}
    for eid in sorted(os.listdir(root)):
        edir = os.path.join(root, eid)
        if not os.path.isfile(os.path.join(edir, "meta.yaml")):
            continue
        meta = yaml_map(os.path.join(edir, "meta.yaml"))
        if str(meta.get("experiment_id")) != eid:
            fail(f"{edir}/meta.yaml: experiment_id {meta.get('experiment_id')!r} is not the folder's {eid!r}")
        runs = {}
        for rid in sorted(os.listdir(edir)):
            rdir = os.path.join(edir, rid)
            if not os.path.isdir(rdir):
                continue
            rmeta = yaml_map(os.path.join(rdir, "meta.yaml"))
            if rmeta.get("run_id") != rid or str(rmeta.get("experiment_id")) != eid:
                fail(f"{rdir}/meta.yaml does not name its run and experiment")
            metrics = {}
            for key in sorted(os.listdir(os.path.join(rdir, "metrics"))):
                rows = []
                with open(os.path.join(rdir, "metrics", key)) as f:
                    for line in f:
                        ts, value, step = line.split()
                        rows.append([int(step), float(value), int(ts)])
                metrics[key] = rows
            kv = lambda d: {k: open(os.path.join(rdir, d, k)).read() for k in sorted(os.listdir(os.path.join(rdir, d)))}
            runs[rid] = {
                "meta": rmeta,
                "params": kv("params"),
                "tags": kv("tags"),
                "metrics": metrics,
                "artifacts": sorted(os.listdir(os.path.join(rdir, "artifacts"))),
            }
        experiments[eid] = {"name": meta.get("name"), "lifecycle_stage": meta.get("lifecycle_stage"), "runs": runs}
    return experiments


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "tfevents":
        print(json.dumps(tfevents(sys.argv[2:])))
    elif len(sys.argv) == 3 and sys.argv[1] == "mlflow":
        print(json.dumps(mlflow(sys.argv[2])))
    else:
        fail(__doc__)
