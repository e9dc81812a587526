#!/usr/bin/env python3
"""One training step of hgc's reference model in PyTorch, timed on one thread.

Usage: /usr/bin/python3 bench/torch/step.py [bench/torch/reference.json] [--threads N]

The model and step are the ones hgc builds from the same spec (runtime/model.ts, train.ts,
losses.ts, optimizer.ts):
  sequence  [s, e(t_0), ..., e(t_{L-1})] + W_pe, s a learned start vector, e an embedding of the
            quantized pixel tokens (hgc multiplies one-hot rows by W_te: the same values)
  blocks    pre-LayerNorm: x += attn(ln1(x)); x += mlp(ln2(x)); causal mask; GELU (tanh form)
  outputs   ln_f; .tokens = positions 0..L-1, .pooled = mean over positions 1..L
  heads     proj = Linear-ReLU-Linear on .pooled; lm = Linear on .tokens (vocab logits)
  losses    NT-Xent over the 2N projections of two views (self-similarity masked), and the
            next-token cross entropy in bits/dim of the lm head on the first views
  step      objective = gen + lambda * con; backward; clip the global gradient norm; AdamW
            (decoupled decay on matrices only)

Prints one JSON line: {"ms_per_step": median wall ms, "cpu_ms_per_step": ..., ...}.
Inputs are random token sequences drawn up front: the step's cost does not depend on them.

  step.py SPEC --check FILE   no timing: load hgc's weights and a token batch from FILE (JSON:
                              {"weights": {hgc name: flat values}, "tokens": [[...] x 2N]}) and
                              print the losses of that batch, so a test can check that this
                              model computes what hgc's does.
"""

import json
import math
import os
import statistics
import sys
import time

# `--threads N` (default 1): set everywhere before torch (and its BLAS) load.
THREADS = int(sys.argv[sys.argv.index("--threads") + 1]) if "--threads" in sys.argv else 1
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(THREADS)

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

INIT_STD = 0.02
LN_EPS = 1e-5


class Block(nn.Module):
    def __init__(self, width, heads, mlp, layers):
        super().__init__()
        self.heads = heads
        self.ln1 = nn.LayerNorm(width, eps=LN_EPS)
        self.qkv = nn.Linear(width, 3 * width)
        self.proj = nn.Linear(width, width)
        self.ln2 = nn.LayerNorm(width, eps=LN_EPS)
        self.fc = nn.Linear(width, mlp * width)
        self.out = nn.Linear(mlp * width, width)
        residual = INIT_STD / math.sqrt(2 * layers)
        for lin, std in ((self.qkv, INIT_STD), (self.proj, residual), (self.fc, INIT_STD), (self.out, residual)):
            nn.init.normal_(lin.weight, 0.0, std)
            nn.init.zeros_(lin.bias)

    def attention(self, x, mask):
        n, t, d = x.shape
        h = self.heads
        dh = d // h
        q, k, v = self.qkv(x).split(d, dim=2)
        q = (q * (1.0 / math.sqrt(dh))).view(n, t, h, dh).transpose(1, 2)  # [n, H, T, dh]
        k = k.view(n, t, h, dh).transpose(1, 2)
        v = v.view(n, t, h, dh).transpose(1, 2)
        scores = q @ k.transpose(-2, -1)  # [n, H, T, T]
        if mask is not None:
            scores = scores + mask
        y = torch.softmax(scores, dim=-1) @ v  # [n, H, T, dh]
        return self.proj(y.transpose(1, 2).reshape(n, t, d))

    def forward(self, x, mask):
        x = x + self.attention(self.ln1(x), mask)
        return x + self.out(F.gelu(self.fc(self.ln2(x)), approximate="tanh"))


class Encoder(nn.Module):
    def __init__(self, vocab, length, width, heads, mlp, layers, causal, pool):
        super().__init__()
        t = length + 1
        self.length = length
        self.pool = pool
        self.wte = nn.Parameter(torch.randn(vocab, width) * INIT_STD)
        self.start = nn.Parameter(torch.randn(width) * INIT_STD)
        self.wpe = nn.Parameter(torch.randn(t, width) * INIT_STD)
        self.blocks = nn.ModuleList(Block(width, heads, mlp, layers) for _ in range(layers))
        self.ln_f = nn.LayerNorm(width, eps=LN_EPS)
        mask = torch.triu(torch.full((t, t), -1e9), diagonal=1) if causal else None
        self.register_buffer("mask", mask)

    def forward(self, tokens):  # tokens [n, L] int64
        n = tokens.shape[0]
        emb = F.embedding(tokens, self.wte)  # [n, L, D]
        x = torch.cat([self.start.expand(n, 1, -1), emb], dim=1) + self.wpe  # [n, T, D]
        for b in self.blocks:
            x = b(x, self.mask)
        out = self.ln_f(x)
        tok = out[:, : self.length]
        body = out[:, 1:]
        if self.pool == "max":
            pooled = body.max(dim=1).values
        elif self.pool == "last":
            pooled = out[:, self.length]
        else:
            pooled = body.mean(dim=1)
        return tok, pooled


class Hybrid(nn.Module):
    def __init__(self, spec):
        super().__init__()
        e = spec["encoder"]
        levels = spec["tokens"]["levels"]
        length = spec["tokens"]["size"][0] * spec["tokens"]["size"][1]
        self.encoder = Encoder(levels, length, e["width"], e["heads"], e["mlp"], e["layers"], e["causal"], e["pool"])
        widths = [e["width"], *spec["proj"]["hidden"], spec["proj"]["out"]]
        layers = []
        for i in range(len(widths) - 1):
            lin = nn.Linear(widths[i], widths[i + 1])
            nn.init.normal_(lin.weight, 0.0, INIT_STD)
            nn.init.zeros_(lin.bias)
            layers += [lin, nn.ReLU()]
        self.proj = nn.Sequential(*layers[:-1])
        self.lm = nn.Linear(e["width"], levels)
        nn.init.normal_(self.lm.weight, 0.0, INIT_STD)
        nn.init.zeros_(self.lm.bias)


def ntxent(z, temperature):
    rows = z.shape[0]
    n = rows // 2
    zn = z / torch.sqrt((z * z).sum(dim=1, keepdim=True) + 1e-12)
    sim = (zn @ zn.t()) / temperature
    sim = sim + torch.diag(torch.full((rows,), -1e9))
    logp = torch.log_softmax(sim, dim=1)
    pos = (torch.arange(rows) + n) % rows
    return -logp[torch.arange(rows), pos].sum() / rows


def bits_per_dim(logits, targets):
    return F.cross_entropy(logits, targets) / math.log(2)


def hgc_name(name):
    """The hgc parameter name of a PyTorch one, and whether hgc stores it transposed ([in, out])."""
    parts = name.split(".")
    if parts[0] == "encoder":
        rest = parts[1:]
        if rest[0] in ("wte", "start", "wpe"):
            return f"enc.{rest[0]}", False
        kind = {"weight": "g", "bias": "b"}
        if rest[0] == "ln_f":
            return f"enc.ln_f.{kind[rest[1]]}", False
        i, layer, p = rest[1], rest[2], rest[3]
        if layer in ("ln1", "ln2"):
            return f"enc.h.{i}.{layer}.{kind[p]}", False
        full = {"qkv": "attn.qkv", "proj": "attn.proj", "fc": "mlp.fc", "out": "mlp.proj"}[layer]
        return f"enc.h.{i}.{full}.{'w' if p == 'weight' else 'b'}", p == "weight"
    if parts[0] == "proj":  # Sequential: Linear, ReLU, Linear, ...
        return f"proj.{int(parts[1]) // 2}.{'w' if parts[2] == 'weight' else 'b'}", parts[2] == "weight"
    if parts[0] == "lm":
        return f"lm.0.{'w' if parts[1] == 'weight' else 'b'}", parts[1] == "weight"
    raise KeyError(name)


def losses(model, spec, tokens):
    """(objective, con, gen) of one batch of 2N token sequences (first views, then second views)."""
    n = tokens.shape[0] // 2
    levels = spec["tokens"]["levels"]
    tok, pooled = model.encoder(tokens)
    con = ntxent(model.proj(pooled), spec["contrastive"]["temperature"])
    gen = bits_per_dim(model.lm(tok[:n]).reshape(-1, levels), tokens[:n].reshape(-1))
    return gen + spec["contrastive"]["lambda"] * con, con, gen


def check(spec, path):
    with open(path) as f:
        data = json.load(f)
    model = Hybrid(spec)
    with torch.no_grad():
        for name, p in model.named_parameters():
            key, transposed = hgc_name(name)
            values = torch.tensor(data["weights"][key], dtype=torch.float32)
            p.copy_(values.reshape(p.shape[::-1]).t() if transposed else values.reshape(p.shape))
    tokens = torch.tensor(data["tokens"], dtype=torch.int64)
    if spec["generative"]["input"] != "view":
        raise SystemExit("--check compares one batch of views; set generative.input to \"view\"")
    objective, con, gen = losses(model, spec, tokens)
    print(json.dumps({"objective": objective.item(), "con": con.item(), "gen": gen.item()}))


def blas_core():
    """OpenBLAS's kernel family in this process (best effort; None where it cannot be asked)."""
    try:
        import ctypes

        lib = ctypes.CDLL("libopenblas.so.0")
        lib.openblas_get_corename.restype = ctypes.c_char_p
        return lib.openblas_get_corename().decode()
    except (OSError, AttributeError):
        return None


def main():
    path = sys.argv[1] if len(sys.argv) > 1 and not sys.argv[1].startswith("--") else os.path.join(os.path.dirname(__file__), "reference.json")
    with open(path) as f:
        spec = json.load(f)
    torch.set_num_threads(THREADS)
    if "--check" in sys.argv:
        return check(spec, sys.argv[sys.argv.index("--check") + 1])
    torch.manual_seed(spec["seed"])
    model = Hybrid(spec)
    o = spec["optimizer"]
    # hgc decays matrices (rank >= 2) only: never LayerNorm gains, biases or the start vector.
    decay = [p for p in model.parameters() if p.dim() >= 2]
    rest = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": o["weight_decay"]}, {"params": rest, "weight_decay": 0.0}],
        lr=o["lr"], betas=(o["beta1"], o["beta2"]), eps=o["eps"],
    )
    n = spec["batch"]
    levels = spec["tokens"]["levels"]
    length = spec["tokens"]["size"][0] * spec["tokens"]["size"][1]
    lam = spec["contrastive"]["lambda"]
    tau = spec["contrastive"]["temperature"]
    clean = spec["generative"]["input"] == "clean"
    warmup, steps = spec["timing"]["warmup"], spec["timing"]["steps"]
    batches = [torch.randint(0, levels, (3 * n if clean else 2 * n, length)) for _ in range(4)]

    def step(tokens):
        views = tokens[: 2 * n]
        tok, pooled = model.encoder(views)
        con = ntxent(model.proj(pooled), tau)
        if clean:
            gtok, _ = model.encoder(tokens[2 * n :])
            gen_targets = tokens[2 * n :]
        else:
            gtok, gen_targets = tok[:n], views[:n]
        gen = bits_per_dim(model.lm(gtok).reshape(-1, levels), gen_targets.reshape(-1))
        objective = gen + lam * con
        opt.zero_grad(set_to_none=True)
        objective.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), o["clip"])
        opt.step()
        return objective.item()

    for i in range(warmup):
        step(batches[i % len(batches)])
    wall, cpu = [], []
    objective = float("nan")
    for i in range(steps):
        w0, c0 = time.perf_counter(), time.process_time()
        objective = step(batches[i % len(batches)])
        cpu.append((time.process_time() - c0) * 1000)
        wall.append((time.perf_counter() - w0) * 1000)
    print(json.dumps({
        "ms_per_step": statistics.median(wall),
        "cpu_ms_per_step": statistics.median(cpu),
        "samples": [round(x, 2) for x in wall],
        "objective": objective,
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "blas_core": blas_core(),
        "parameters": sum(p.numel() for p in model.parameters()),
    }))


if __name__ == "__main__":
    main()
