#!/usr/bin/env python3
"""Writes a GPT-2 fixture that the Java tests compare against.

An independent GPT-2 forward pass in plain torch (no `transformers`): random weights for a tiny
config are saved as Hugging Face `model.safetensors` + `config.json` (Conv1D weights as [in, out],
exactly as GPT-2 stores them), together with a token sequence and the logits computed here.

Usage: /usr/bin/python3 make_gpt2_fixture.py [output_dir]
Default output: ../resources/fixtures/gpt2-tiny relative to this script.
"""
import json
import math
import os
import struct
import sys

import torch

CONFIG = {
    "architectures": ["GPT2LMHeadModel"],
    "model_type": "gpt2",
    "vocab_size": 300,  # deliberately not 256, so nothing can assume the byte vocabulary
    "n_positions": 16,
    "n_ctx": 16,
    "n_embd": 24,
    "n_layer": 2,
    "n_head": 3,
    "n_inner": None,
    "activation_function": "gelu_new",
    "layer_norm_epsilon": 1e-5,
    "tie_word_embeddings": True,
}
SEED = 1234
SEQ_LEN = 13  # shorter than n_positions on purpose: positions must be sliced, not assumed full


def make_weights(cfg, gen):
    d, v, p = cfg["n_embd"], cfg["vocab_size"], cfg["n_positions"]

    def randn(*shape, std):
        return torch.randn(*shape, generator=gen, dtype=torch.float64).mul(std).float()

    # Larger-than-GPT-2 scales so every component (LayerNorm gains/biases, all biases, GELU's
    # non-linear region) visibly shapes the logits; a bug anywhere moves them by far more than 1e-4.
    w = {
        "wte.weight": randn(v, d, std=0.3),
        "wpe.weight": randn(p, d, std=0.3),
    }
    for i in range(cfg["n_layer"]):
        h = f"h.{i}."
        w[h + "ln_1.weight"] = 1.0 + randn(d, std=0.2)
        w[h + "ln_1.bias"] = randn(d, std=0.2)
        w[h + "attn.c_attn.weight"] = randn(d, 3 * d, std=0.3)  # Conv1D: [in, out]
        w[h + "attn.c_attn.bias"] = randn(3 * d, std=0.2)
        w[h + "attn.c_proj.weight"] = randn(d, d, std=0.3)
        w[h + "attn.c_proj.bias"] = randn(d, std=0.2)
        w[h + "ln_2.weight"] = 1.0 + randn(d, std=0.2)
        w[h + "ln_2.bias"] = randn(d, std=0.2)
        w[h + "mlp.c_fc.weight"] = randn(d, 4 * d, std=0.3)
        w[h + "mlp.c_fc.bias"] = randn(4 * d, std=0.2)
        w[h + "mlp.c_proj.weight"] = randn(4 * d, d, std=0.3)
        w[h + "mlp.c_proj.bias"] = randn(d, std=0.2)
    w["ln_f.weight"] = 1.0 + randn(d, std=0.2)
    w["ln_f.bias"] = randn(d, std=0.2)
    return w


def gelu_new(x):
    # GPT-2's tanh approximation, written out rather than calling F.gelu
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


def layer_norm(x, g, b, eps):
    mean = x.mean(-1, keepdim=True)
    var = ((x - mean) ** 2).mean(-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps) * g + b


def conv1d(x, w, b):
    return x @ w + b  # GPT-2 Conv1D: weight is [in, out]


def gpt2_logits(w, cfg, ids):
    """Forward pass in float64 for a reference that is far more precise than the 1e-4 tolerance."""
    w = {k: t.double() for k, t in w.items()}  # no-op for float64 leaves, keeps their grads
    d, nh, eps = cfg["n_embd"], cfg["n_head"], cfg["layer_norm_epsilon"]
    hd = d // nh
    t = ids.shape[0]
    x = w["wte.weight"][ids] + w["wpe.weight"][:t]
    causal = torch.tril(torch.ones(t, t, dtype=torch.bool))
    for i in range(cfg["n_layer"]):
        h = f"h.{i}."
        a = layer_norm(x, w[h + "ln_1.weight"], w[h + "ln_1.bias"], eps)
        qkv = conv1d(a, w[h + "attn.c_attn.weight"], w[h + "attn.c_attn.bias"])
        q, k, v = qkv.split(d, dim=-1)
        q = q.view(t, nh, hd).transpose(0, 1)
        k = k.view(t, nh, hd).transpose(0, 1)
        v = v.view(t, nh, hd).transpose(0, 1)
        att = (q @ k.transpose(-2, -1)) / math.sqrt(hd)
        att = att.masked_fill(~causal, float("-inf")).softmax(-1)
        y = (att @ v).transpose(0, 1).reshape(t, d)
        x = x + conv1d(y, w[h + "attn.c_proj.weight"], w[h + "attn.c_proj.bias"])
        m = layer_norm(x, w[h + "ln_2.weight"], w[h + "ln_2.bias"], eps)
        m = gelu_new(conv1d(m, w[h + "mlp.c_fc.weight"], w[h + "mlp.c_fc.bias"]))
        x = x + conv1d(m, w[h + "mlp.c_proj.weight"], w[h + "mlp.c_proj.bias"])
    x = layer_norm(x, w["ln_f.weight"], w["ln_f.bias"], eps)
    return x @ w["wte.weight"].T  # tied head


def write_safetensors(path, tensors, metadata=None):
    header, offset, blobs = {}, 0, []
    if metadata:
        header["__metadata__"] = metadata
    for name, t in tensors.items():
        data = t.contiguous().float().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    raw = json.dumps(header, separators=(",", ":")).encode("utf-8")
    raw += b" " * ((8 - len(raw) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for b in blobs:
            f.write(b)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "resources", "fixtures", "gpt2-tiny")
    os.makedirs(out, exist_ok=True)
    gen = torch.Generator().manual_seed(SEED)
    weights = make_weights(CONFIG, gen)
    ids = torch.randint(0, CONFIG["vocab_size"], (SEQ_LEN,), generator=gen)
    with torch.no_grad():
        logits = gpt2_logits(weights, CONFIG, ids)
    # one training-style pass over the same sequence: inputs ids[:-1], targets ids[1:]; the mean
    # cross-entropy and the global L2 norm of all weight gradients check the Java backward pass
    leaves = {k: t.double().requires_grad_(True) for k, t in weights.items()}
    train_logits = gpt2_logits(leaves, CONFIG, ids[:-1])
    loss = torch.nn.functional.cross_entropy(train_logits, ids[1:])
    loss.backward()
    grad_norm = math.sqrt(sum(float((p.grad ** 2).sum()) for p in leaves.values()))

    write_safetensors(os.path.join(out, "model.safetensors"), weights, {"format": "pt"})
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(CONFIG, f, indent=2)
    # The fixtures' ids are bytes: the project's byte tokenizer, named as its exports name it.
    with open(os.path.join(out, "tokenizer_info.json"), "w") as f:
        json.dump({"name": "byte-utf8", "vocab_size": 256, "type": "byte"}, f, indent=2)
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump({
            "torch_version": torch.__version__,
            "tokens": ids.tolist(),
            "train_loss": float(loss),
            "train_grad_norm": grad_norm,
            "logits": [[float("%.9g" % v) for v in row] for row in logits.tolist()],
        }, f)
    print("wrote", out, "tokens", ids.tolist(), "logit range", float(logits.min()), float(logits.max()))


if __name__ == "__main__":
    main()
