#!/usr/bin/env python3
"""Writes the Llama-family fixtures that the Java tests compare against.

An independent Llama forward and backward pass in plain torch (no `transformers`), written from Hugging Face's
modeling_llama / modeling_qwen2 and modeling_rope_utils: RMSNorm, rotary embeddings with the rotate_half convention
and the default/linear/llama3 frequency rules, grouped-query attention through repeat_interleave of the key/value
heads, the SwiGLU MLP, and a tied or separate output head. Random weights for two tiny configs are saved as Hugging
Face `model.safetensors` + `config.json`, with a token sequence, the logits computed here, the rotary inverse
frequencies, and for one training pass (inputs ids[:-1], targets ids[1:], mean cross-entropy) the loss, the global
gradient norm and the gradients of a few named tensors. For the bf16 checks each fixture also gets its weights rounded
to bf16 by torch (round to nearest even) as `model.bf16.safetensors`, and the float64 logits of those rounded weights
(`logits.bf16_weights` in expected.safetensors).

  llama-tiny: model_type llama, 4 query heads sharing 2 key/value heads, head_dim 8 (not hidden/heads), untied
              lm_head, rope_scaling llama3 whose bands put one frequency in each of its three branches
  qwen2-tiny: model_type qwen2, q/k/v biases, one key/value head for 3 query heads, tied embeddings, rope_theta 1e6
              with the legacy `"type": "linear"` scaling

Usage: /usr/bin/python3 make_llama_fixture.py [fixtures_dir]
Default output: ../resources/fixtures/{llama-tiny,qwen2-tiny} relative to this script.
"""
import json
import math
import os
import struct
import sys

import torch

from make_gpt2_fixture import write_safetensors

LLAMA = {
    "architectures": ["LlamaForCausalLM"],
    "model_type": "llama",
    "vocab_size": 300,
    "hidden_size": 24,
    "intermediate_size": 40,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "head_dim": 8,
    "hidden_act": "silu",
    "max_position_embeddings": 32,
    "rms_norm_eps": 1e-5,
    "rope_theta": 10000.0,
    # wavelengths 2 pi / f of head_dim 8 are 6.3, 63, 628 and 6283; the bands are 1024/8 = 128 and 1024/1 = 1024
    "rope_scaling": {
        "rope_type": "llama3",
        "factor": 8.0,
        "low_freq_factor": 1.0,
        "high_freq_factor": 8.0,
        "original_max_position_embeddings": 1024,
    },
    "attention_bias": False,
    "mlp_bias": False,
    "tie_word_embeddings": False,
    "torch_dtype": "float32",
}
QWEN2 = {
    "architectures": ["Qwen2ForCausalLM"],
    "model_type": "qwen2",
    "vocab_size": 300,
    "hidden_size": 24,
    "intermediate_size": 40,
    "num_hidden_layers": 2,
    "num_attention_heads": 3,
    "num_key_value_heads": 1,
    "hidden_act": "silu",
    "max_position_embeddings": 32,
    "rms_norm_eps": 1e-6,
    "rope_theta": 1000000.0,
    "rope_scaling": {"type": "linear", "factor": 2.0},
    "use_sliding_window": False,
    "sliding_window": 32,
    "max_window_layers": 2,
    "tie_word_embeddings": True,
    "torch_dtype": "float32",
}
FIXTURES = {
    "llama-tiny": (LLAMA, 4321, [
        "lm_head.weight",
        "model.norm.weight",
        "model.layers.0.self_attn.q_proj.weight",
        "model.layers.0.self_attn.k_proj.weight",
        "model.layers.0.self_attn.v_proj.weight",
        "model.layers.1.self_attn.o_proj.weight",
        "model.layers.0.mlp.gate_proj.weight",
        "model.layers.1.mlp.up_proj.weight",
        "model.layers.1.mlp.down_proj.weight",
        "model.layers.0.input_layernorm.weight",
        "model.layers.1.post_attention_layernorm.weight",
    ]),
    "qwen2-tiny": (QWEN2, 8765, [
        "model.embed_tokens.weight",  # tied: the gradient of the embedding lookup plus that of the head
        "model.norm.weight",
        "model.layers.0.self_attn.q_proj.bias",
        "model.layers.0.self_attn.k_proj.bias",
        "model.layers.1.self_attn.v_proj.bias",
        "model.layers.0.self_attn.k_proj.weight",
        "model.layers.1.self_attn.o_proj.weight",
        "model.layers.1.mlp.gate_proj.weight",
        "model.layers.0.post_attention_layernorm.weight",
    ]),
}
SEQ_LEN = 13  # below max_position_embeddings: rotary tables and the mask must be cut to the sequence


def head_dim(cfg):
    return cfg.get("head_dim") or cfg["hidden_size"] // cfg["num_attention_heads"]


def make_weights(cfg, gen):
    d, v, inter = cfg["hidden_size"], cfg["vocab_size"], cfg["intermediate_size"]
    hd = head_dim(cfg)
    q_out, kv_out = cfg["num_attention_heads"] * hd, cfg["num_key_value_heads"] * hd
    qkv_bias = cfg["model_type"] == "qwen2" or cfg.get("attention_bias", False)

    def randn(*shape, std):
        return torch.randn(*shape, generator=gen, dtype=torch.float64).mul(std).float()

    # Scales far above an initialisation's, so that norms' gains, biases, every rotary frequency and the gated
    # activation's non-linear region all shape the logits: a mistake anywhere moves them by much more than 1e-4.
    w = {"model.embed_tokens.weight": randn(v, d, std=1.0)}
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        w[p + "self_attn.q_proj.weight"] = randn(q_out, d, std=0.4)  # torch.nn.Linear: [out, in]
        w[p + "self_attn.k_proj.weight"] = randn(kv_out, d, std=0.4)
        w[p + "self_attn.v_proj.weight"] = randn(kv_out, d, std=0.4)
        if qkv_bias:
            w[p + "self_attn.q_proj.bias"] = randn(q_out, std=0.5)
            w[p + "self_attn.k_proj.bias"] = randn(kv_out, std=0.5)
            w[p + "self_attn.v_proj.bias"] = randn(kv_out, std=0.5)
        w[p + "self_attn.o_proj.weight"] = randn(d, q_out, std=0.3)
        w[p + "mlp.gate_proj.weight"] = randn(inter, d, std=0.4)
        w[p + "mlp.up_proj.weight"] = randn(inter, d, std=0.4)
        w[p + "mlp.down_proj.weight"] = randn(d, inter, std=0.3)
        w[p + "input_layernorm.weight"] = 1.0 + randn(d, std=0.3)
        w[p + "post_attention_layernorm.weight"] = 1.0 + randn(d, std=0.3)
    w["model.norm.weight"] = 1.0 + randn(d, std=0.3)
    if not cfg["tie_word_embeddings"]:
        w["lm_head.weight"] = randn(v, d, std=0.3)
    return w


def inverse_frequencies(cfg):
    """modeling_rope_utils' default, linear and llama3 rules, in float64."""
    hd = head_dim(cfg)
    inv = 1.0 / (cfg["rope_theta"] ** (torch.arange(0, hd, 2, dtype=torch.float64) / hd))
    scaling = cfg.get("rope_scaling") or {}
    kind = scaling.get("rope_type", scaling.get("type", "default"))
    if kind == "linear":
        return inv / scaling["factor"]
    if kind == "llama3":
        factor, low, high = scaling["factor"], scaling["low_freq_factor"], scaling["high_freq_factor"]
        old = scaling["original_max_position_embeddings"]
        low_wavelen, high_wavelen = old / low, old / high
        wavelen = 2 * math.pi / inv
        scaled = torch.where(wavelen > low_wavelen, inv / factor, inv)
        smooth = (old / wavelen - low) / (high - low)
        smoothed = (1 - smooth) * scaled / factor + smooth * scaled
        medium = ~(wavelen < high_wavelen) & ~(wavelen > low_wavelen)
        return torch.where(medium, smoothed, scaled)
    assert kind == "default", kind
    return inv


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def rms_norm(x, w, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def linear(x, w, b=None):
    y = x @ w.T
    return y if b is None else y + b


def llama_logits(w, cfg, ids):
    """Forward pass in float64, far more precise than the 1e-4 tolerance the Java side is held to."""
    w = {k: t.double() for k, t in w.items()}  # no-op for float64 leaves, keeps their grads
    nh, nkv, hd, eps = cfg["num_attention_heads"], cfg["num_key_value_heads"], head_dim(cfg), cfg["rms_norm_eps"]
    t = ids.shape[0]
    freqs = torch.outer(torch.arange(t, dtype=torch.float64), inverse_frequencies(cfg))
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos(), emb.sin()
    causal = torch.tril(torch.ones(t, t, dtype=torch.bool))
    x = w["model.embed_tokens.weight"][ids]
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}.self_attn."
        a = rms_norm(x, w[f"model.layers.{i}.input_layernorm.weight"], eps)
        q = linear(a, w[p + "q_proj.weight"], w.get(p + "q_proj.bias")).view(t, nh, hd).transpose(0, 1)
        k = linear(a, w[p + "k_proj.weight"], w.get(p + "k_proj.bias")).view(t, nkv, hd).transpose(0, 1)
        v = linear(a, w[p + "v_proj.weight"], w.get(p + "v_proj.bias")).view(t, nkv, hd).transpose(0, 1)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        # repeat_kv: query head h reads key/value head h // (nh / nkv)
        k = k.repeat_interleave(nh // nkv, dim=0)
        v = v.repeat_interleave(nh // nkv, dim=0)
        att = (q @ k.transpose(-2, -1)) * hd ** -0.5
        att = att.masked_fill(~causal, float("-inf")).softmax(-1)
        y = (att @ v).transpose(0, 1).reshape(t, nh * hd)
        x = x + linear(y, w[p + "o_proj.weight"], w.get(p + "o_proj.bias"))
        m = rms_norm(x, w[f"model.layers.{i}.post_attention_layernorm.weight"], eps)
        p = f"model.layers.{i}.mlp."
        gate = linear(m, w[p + "gate_proj.weight"])
        x = x + linear(gate * torch.sigmoid(gate) * linear(m, w[p + "up_proj.weight"]), w[p + "down_proj.weight"])
    x = rms_norm(x, w["model.norm.weight"], eps)
    head = w["model.embed_tokens.weight"] if cfg["tie_word_embeddings"] else w["lm_head.weight"]
    return x @ head.T


def write_bf16_safetensors(path, tensors, metadata=None):
    """safetensors with BF16 tensors: torch's own rounding to bfloat16, stored as the raw 16-bit patterns."""
    header, offset, blobs = {}, 0, []
    if metadata:
        header["__metadata__"] = metadata
    for name, t in tensors.items():
        data = t.contiguous().to(torch.bfloat16).view(torch.int16).numpy().astype("<i2").tobytes()
        header[name] = {"dtype": "BF16", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    raw = json.dumps(header, separators=(",", ":")).encode("utf-8")
    raw += b" " * ((8 - len(raw) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for b in blobs:
            f.write(b)


def write_fixture(out, cfg, seed, grad_names):
    os.makedirs(out, exist_ok=True)
    gen = torch.Generator().manual_seed(seed)
    weights = make_weights(cfg, gen)
    ids = torch.randint(0, cfg["vocab_size"], (SEQ_LEN,), generator=gen)
    with torch.no_grad():
        logits = llama_logits(weights, cfg, ids)
        # bf16 to float64 is exact: these are the logits of exactly the weights model.bf16.safetensors stores
        logits_bf16 = llama_logits({k: t.to(torch.bfloat16).double() for k, t in weights.items()}, cfg, ids)
    leaves = {k: t.double().requires_grad_(True) for k, t in weights.items()}
    loss = torch.nn.functional.cross_entropy(llama_logits(leaves, cfg, ids[:-1]), ids[1:])
    loss.backward()
    grad_norm = math.sqrt(sum(float((p.grad ** 2).sum()) for p in leaves.values()))

    write_safetensors(os.path.join(out, "model.safetensors"), weights, {"format": "pt"})
    write_bf16_safetensors(os.path.join(out, "model.bf16.safetensors"), weights, {"format": "pt"})
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    # The fixtures' ids are bytes: the project's byte tokenizer, named as its exports name it.
    with open(os.path.join(out, "tokenizer_info.json"), "w") as f:
        json.dump({"name": "byte-utf8", "vocab_size": 256, "type": "byte"}, f, indent=2)
    expected = {"logits": logits, "logits.bf16_weights": logits_bf16}
    expected.update({"grad." + name: leaves[name].grad for name in grad_names})
    write_safetensors(os.path.join(out, "expected.safetensors"), expected)
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump({
            "reference": "plain torch " + torch.__version__ + ", float64, make_llama_fixture.py (no transformers)",
            "tokens": ids.tolist(),
            "inverse_frequencies": inverse_frequencies(cfg).tolist(),
            "train_loss": float(loss),
            "train_grad_norm": grad_norm,
            "gradients": grad_names,
            "bf16_weights_max_logit_change": float((logits_bf16 - logits).abs().max()),
        }, f, indent=1)
    print("wrote", out, "tokens", ids.tolist(), "logit range", float(logits.min()), float(logits.max()),
          "loss", float(loss), "bf16 weights move logits by", float((logits_bf16 - logits).abs().max()))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "resources", "fixtures")
    for name, (cfg, seed, grads) in FIXTURES.items():
        write_fixture(os.path.join(root, name), cfg, seed, grads)


if __name__ == "__main__":
    main()
