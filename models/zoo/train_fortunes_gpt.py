#!/usr/bin/python3
"""Train the zoo's small byte-level GPT decoder on Debian's fortunes corpus
and export it to ONNX twice (full-sequence and incremental with a KV cache).

The exported models (fortunes-gpt.onnx, fortunes-gpt-kv.onnx) and their
manifest entry are committed, so users of edgebench need no Python; this
script only reproduces them.

Reproduce (Debian 12):

    apt-get install python3-torch python3-onnx fortunes    # or: scripts/deps.sh torch
    /usr/bin/python3 models/zoo/train_fortunes_gpt.py [--steps N] [--threads N]

Corpus: every plain-text fortune file of the Debian package `fortunes`
(/usr/share/games/fortunes/*, without the .dat indexes and the .u8 links),
in sorted file-name order, split into fortunes at the "%" separator lines.
Deterministic held-out split: fortune number i (counted over the whole
corpus in that order) is held out when i % 10 == 9; the rest is training
text.  Each side is the concatenation of its fortunes, each followed by
"%\\n" as in the files.  Tokens are bytes (vocabulary 256).

Model: GPT-style decoder, pre-LN (LayerNormalization), causal multi-head
self-attention, GELU MLP (4x), learned positions, untied output head;
LAYERS x D_MODEL with HEADS heads, context CTX.  Sized so that both exported
files together stay under ~5 MB (they are compiled into the binary).

Training: AdamW, linear warm-up then cosine decay, random CTX windows of the
training text, fixed seed, 1 thread by default: deterministic on the same
torch build and thread count.

Held-out perplexity (manifest "pytorch_perplexity"): the held-out text cut
into consecutive non-overlapping windows of CTX+1 bytes (the last partial
window dropped); in each the model reads the first CTX bytes and predicts
bytes 2..CTX+1; perplexity = exp(mean cross-entropy in nats) over all
predicted bytes.  The manifest also records it over the first 16 windows
("pytorch_perplexity_16"), the default of `edgebench run --scenario
generate --eval`, so the C side can be compared exactly.

Export (opset 17):
  fortunes-gpt.onnx     input_ids int64 [1, seq] -> logits float [1, seq, 256]
  fortunes-gpt-kv.onnx  input_ids int64 [1, seq],
                        past_key_values.N.key|value float [1, HEADS, past, D/HEADS]
                        -> logits [1, seq, 256], present.N.key|value
                        [1, HEADS, past + seq, D/HEADS]   (N = 0..LAYERS-1)
Positions are past .. past+seq-1 (the past length is read from the shape of
past_key_values.0.key); past + seq must stay <= CTX.
"""

import argparse
import glob
import hashlib
import json
import math
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
MANIFEST = os.path.join(HERE, "manifest.json")
CORPUS = "/usr/share/games/fortunes"
OPSET = 17
LAYERS, D_MODEL, HEADS, CTX, VOCAB = 4, 96, 4, 256, 256
SEED = 1
BATCH = 8
LR = 3e-3
EVAL_WINDOWS_C = 16


def load_corpus():
    files = sorted(f for f in glob.glob(os.path.join(CORPUS, "*"))
                   if os.path.isfile(f) and not os.path.islink(f)
                   and not f.endswith(".dat") and not f.endswith(".u8"))
    if not files:
        raise SystemExit("no fortune files in %s (apt-get install fortunes)" % CORPUS)
    fortunes = []
    for path in files:
        with open(path, "rb") as f:
            text = f.read()
        cur = []
        for line in text.split(b"\n"):
            if line == b"%":
                if cur:
                    fortunes.append(b"\n".join(cur) + b"\n")
                cur = []
            else:
                cur.append(line)
        if any(cur):
            fortunes.append(b"\n".join(cur).rstrip(b"\n") + b"\n")
    train = b"".join(t + b"%\n" for i, t in enumerate(fortunes) if i % 10 != 9)
    held = b"".join(t + b"%\n" for i, t in enumerate(fortunes) if i % 10 == 9)
    return files, len(fortunes), train, held


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln1 = nn.LayerNorm(D_MODEL)
        self.qkv = nn.Linear(D_MODEL, 3 * D_MODEL)
        self.proj = nn.Linear(D_MODEL, D_MODEL)
        self.ln2 = nn.LayerNorm(D_MODEL)
        self.fc = nn.Linear(D_MODEL, 4 * D_MODEL)
        self.out = nn.Linear(4 * D_MODEL, D_MODEL)

    def forward(self, x, past_k=None, past_v=None):
        b, t, d = x.shape
        hd = d // HEADS
        q, k, v = self.qkv(self.ln1(x)).split(d, dim=2)
        q = q.reshape(b, t, HEADS, hd).transpose(1, 2)
        k = k.reshape(b, t, HEADS, hd).transpose(1, 2)
        v = v.reshape(b, t, HEADS, hd).transpose(1, 2)
        if past_k is not None:
            k = torch.cat([past_k, k], dim=2)
            v = torch.cat([past_v, v], dim=2)
        total = k.shape[2]
        past = total - t
        att = (q @ k.transpose(2, 3)) * (1.0 / math.sqrt(hd))
        rows = torch.arange(t).unsqueeze(1) + past
        cols = torch.arange(total).unsqueeze(0)
        att = att.masked_fill(cols > rows, float("-inf"))
        att = F.softmax(att, dim=-1)
        y = (att @ v).transpose(1, 2).reshape(b, t, d)
        x = x + self.proj(y)
        x = x + self.out(F.gelu(self.fc(self.ln2(x))))
        return x, k, v


class GPT(nn.Module):
    def __init__(self):
        super().__init__()
        self.tok = nn.Embedding(VOCAB, D_MODEL)
        self.pos = nn.Embedding(CTX, D_MODEL)
        self.blocks = nn.ModuleList(Block() for _ in range(LAYERS))
        self.ln_f = nn.LayerNorm(D_MODEL)
        self.head = nn.Linear(D_MODEL, VOCAB)

    def forward(self, idx, past=None):
        t = idx.shape[1]
        p = 0 if past is None else past[0].shape[2]
        x = self.tok(idx) + self.pos(torch.arange(t) + p)
        present = []
        for i, blk in enumerate(self.blocks):
            pk = pv = None
            if past is not None:
                pk, pv = past[2 * i], past[2 * i + 1]
            x, k, v = blk(x, pk, pv)
            present += [k, v]
        return self.head(self.ln_f(x)), present


class FullSeq(nn.Module):
    def __init__(self, gpt):
        super().__init__()
        self.gpt = gpt

    def forward(self, idx):
        return self.gpt(idx)[0]


class WithKV(nn.Module):
    def __init__(self, gpt):
        super().__init__()
        self.gpt = gpt

    def forward(self, idx, *past):
        logits, present = self.gpt(idx, list(past))
        return (logits, *present)


def windows(data, n=None):
    t = torch.tensor(list(data), dtype=torch.long)
    count = (len(t)) // (CTX + 1)
    if n is not None:
        count = min(count, n)
    return t[:count * (CTX + 1)].view(count, CTX + 1)


@torch.no_grad()
def perplexity(model, w):
    total, count = 0.0, 0
    for i in range(0, len(w), 32):
        b = w[i:i + 32]
        logits = model(b[:, :-1])[0]
        total += F.cross_entropy(logits.reshape(-1, VOCAB), b[:, 1:].reshape(-1), reduction="sum").item()
        count += b[:, 1:].numel()
    return math.exp(total / count), count


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def export(gpt, out_dir):
    full = os.path.join(out_dir, "fortunes-gpt.onnx")
    kv = os.path.join(out_dir, "fortunes-gpt-kv.onnx")
    ids = torch.zeros(1, 5, dtype=torch.long)
    torch.onnx.export(FullSeq(gpt), (ids,), full, opset_version=OPSET,
                      input_names=["input_ids"], output_names=["logits"],
                      dynamic_axes={"input_ids": {1: "seq"}, "logits": {1: "seq"}},
                      do_constant_folding=True)
    hd = D_MODEL // HEADS
    past = [torch.zeros(1, HEADS, 3, hd) for _ in range(2 * LAYERS)]
    names_in, names_out = ["input_ids"], ["logits"]
    axes = {"input_ids": {1: "seq"}, "logits": {1: "seq"}}
    for i in range(LAYERS):
        for kind in ("key", "value"):
            pi, po = "past_key_values.%d.%s" % (i, kind), "present.%d.%s" % (i, kind)
            names_in.append(pi)
            names_out.append(po)
            axes[pi] = {2: "past"}
            axes[po] = {2: "total"}
    torch.onnx.export(WithKV(gpt), (ids, *past), kv, opset_version=OPSET,
                      input_names=names_in, output_names=names_out, dynamic_axes=axes,
                      do_constant_folding=True)
    return full, kv


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=600)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", default=HERE)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(SEED)
    torch.use_deterministic_algorithms(True)
    files, n_fortunes, train, held = load_corpus()
    print("corpus: %d files, %d fortunes, train %d bytes, held-out %d bytes"
          % (len(files), n_fortunes, len(train), len(held)))
    gpt = GPT()
    params = sum(p.numel() for p in gpt.parameters())
    print("params: %d" % params)
    data = torch.tensor(list(train), dtype=torch.long)
    opt = torch.optim.AdamW(gpt.parameters(), lr=LR, weight_decay=0.01)
    gen = torch.Generator().manual_seed(SEED)
    warm = max(1, args.steps // 20)
    t0 = time.time()
    gpt.train()
    for step in range(args.steps):
        lr = LR * (step + 1) / warm if step < warm else \
            LR * 0.5 * (1 + math.cos(math.pi * (step - warm) / max(1, args.steps - warm)))
        for g in opt.param_groups:
            g["lr"] = lr
        ix = torch.randint(0, len(data) - CTX - 1, (BATCH,), generator=gen)
        b = torch.stack([data[i:i + CTX + 1] for i in ix.tolist()])
        logits = gpt(b[:, :-1])[0]
        loss = F.cross_entropy(logits.reshape(-1, VOCAB), b[:, 1:].reshape(-1))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(gpt.parameters(), 1.0)
        opt.step()
        if step % 50 == 0 or step == args.steps - 1:
            print("step %d loss %.3f (%.0f s)" % (step, loss.item(), time.time() - t0), flush=True)
    seconds = time.time() - t0
    gpt.eval()
    ppl, n_pred = perplexity(gpt, windows(held))
    ppl16, n16 = perplexity(gpt, windows(held, EVAL_WINDOWS_C))
    print("held-out perplexity %.4f over %d bytes; first %d windows %.4f" % (ppl, n_pred, EVAL_WINDOWS_C, ppl16))
    full, kv = export(gpt, args.out)
    entry = {
        "name": "fortunes-gpt",
        "file": "fortunes-gpt.onnx",
        "sha256": sha256(full),
        "kv_file": "fortunes-gpt-kv.onnx",
        "kv_sha256": sha256(kv),
        "task": "text-generation",
        "dataset": {
            "name": "fortunes",
            "debian_package": "fortunes",
            "corpus": CORPUS,
            "split": "fortune i (sorted files, '%' separated) held out when i % 10 == 9",
            "heldout_bytes": len(held),
            "train_bytes": len(train),
        },
        "input": {"name": "input_ids", "layout": "1,seq", "vocab": VOCAB, "context": CTX, "tokens": "bytes"},
        "metric": "perplexity",
        "pytorch_perplexity": round(ppl, 4),
        "pytorch_perplexity_16": round(ppl16, 4),
        "eval_windows_16_bytes": n16,
        "params": params,
        "arch": {"layers": LAYERS, "d_model": D_MODEL, "heads": HEADS, "context": CTX,
                 "norm": "pre-LN", "activation": "gelu"},
        "trained": {"steps": args.steps, "batch": BATCH, "lr": LR, "seed": SEED,
                    "torch": torch.__version__, "seconds": round(seconds, 1)},
    }
    if args.out == HERE:
        write_manifest(entry)
    print(json.dumps(entry, indent=2))


def write_manifest(entry):
    """Two zoo entries from one training: fortunes-gpt (full-sequence) and
    fortunes-gpt-kv (the same weights with a KV cache), each naming the
    other, with the same data, metric and perplexities."""
    full = dict(entry)
    kv_file, kv_sha = full.pop("kv_file"), full.pop("kv_sha256")
    full["kv_model"] = "fortunes-gpt-kv"
    kv = dict(full)
    del kv["kv_model"]
    kv.update(name="fortunes-gpt-kv", file=kv_file, sha256=kv_sha, full_model="fortunes-gpt")
    kv["input"] = dict(full["input"], cache="past_key_values.N.key|value -> present.N.key|value, [1, heads, past, head_dim]")
    with open(MANIFEST) as f:
        doc = json.load(f)
    doc["models"] = [m for m in doc["models"] if m["name"] not in ("fortunes-gpt", "fortunes-gpt-kv")] + [full, kv]
    with open(MANIFEST, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
