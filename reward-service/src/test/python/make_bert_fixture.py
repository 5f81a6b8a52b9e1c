#!/usr/bin/env python3
"""Writes a BERT sentence-embedding fixture that the Java tests compare against.

An independent BERT encoder forward pass in plain torch (no `transformers`): random weights for a
tiny config are saved in Hugging Face layout (`model.safetensors` with `bert.`-prefixed BertModel
names, `config.json` with BertConfig fields, and a small WordPiece `tokenizer.json`), together with
a padded batch of token ids, its attention mask and token types, and the mean-pooled embeddings
computed here in float64. A contrastive (InfoNCE) loss over the batch and the global gradient norm
check the Java backward pass too.

Usage: /usr/bin/python3 make_bert_fixture.py [output_dir]
Default output: ../resources/fixtures/bert-tiny relative to this script.
"""
import json
import math
import os
import struct
import sys

import torch

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
WORDS = ["the", "river", "runs", "past", "mill", "bread", "needs", "time", "two", "plus", "is", "four",
         "meter", "has", "one", "hundred", "centimeters", "so", "three", ".", ",", "a", "b", "c", "##s"]
VOCAB = SPECIALS + WORDS
CONFIG = {
    "architectures": ["BertModel"],
    "model_type": "bert",
    "vocab_size": len(VOCAB),
    "hidden_size": 16,
    "num_hidden_layers": 2,
    "num_attention_heads": 2,
    "intermediate_size": 40,
    "hidden_act": "gelu",
    "hidden_dropout_prob": 0.1,
    "attention_probs_dropout_prob": 0.1,
    "max_position_embeddings": 12,
    "type_vocab_size": 2,
    "layer_norm_eps": 1e-12,
    "pad_token_id": 0,
}
SEED = 4321
LENGTHS = [9, 5, 12, 7]  # rows of different lengths, so padding and the mask matter; one fills all positions
TEMPERATURE = 0.05


def make_weights(cfg, gen):
    d, v, p, ff = cfg["hidden_size"], cfg["vocab_size"], cfg["max_position_embeddings"], cfg["intermediate_size"]

    def randn(*shape, std):
        return torch.randn(*shape, generator=gen, dtype=torch.float64).mul(std).float()

    # large scales so every part (LayerNorm gains and biases, all biases, GELU's curved region,
    # the token types) visibly moves the embeddings; a bug anywhere moves them far more than 1e-4
    w = {
        "embeddings.word_embeddings.weight": randn(v, d, std=0.5),
        "embeddings.position_embeddings.weight": randn(p, d, std=0.5),
        "embeddings.token_type_embeddings.weight": randn(2, d, std=0.5),
        "embeddings.LayerNorm.weight": 1.0 + randn(d, std=0.2),
        "embeddings.LayerNorm.bias": randn(d, std=0.2),
    }
    for i in range(cfg["num_hidden_layers"]):
        L = f"encoder.layer.{i}."
        for name in ("query", "key", "value"):
            w[L + f"attention.self.{name}.weight"] = randn(d, d, std=0.4)  # nn.Linear: [out, in]
            w[L + f"attention.self.{name}.bias"] = randn(d, std=0.2)
        w[L + "attention.output.dense.weight"] = randn(d, d, std=0.4)
        w[L + "attention.output.dense.bias"] = randn(d, std=0.2)
        w[L + "attention.output.LayerNorm.weight"] = 1.0 + randn(d, std=0.2)
        w[L + "attention.output.LayerNorm.bias"] = randn(d, std=0.2)
        w[L + "intermediate.dense.weight"] = randn(ff, d, std=0.4)
        w[L + "intermediate.dense.bias"] = randn(ff, std=0.2)
        w[L + "output.dense.weight"] = randn(d, ff, std=0.4)
        w[L + "output.dense.bias"] = randn(d, std=0.2)
        w[L + "output.LayerNorm.weight"] = 1.0 + randn(d, std=0.2)
        w[L + "output.LayerNorm.bias"] = randn(d, std=0.2)
    # a pooler as BertModel has one; sentence embeddings do not use it, a loader must skip it
    w["pooler.dense.weight"] = randn(d, d, std=0.4)
    w["pooler.dense.bias"] = randn(d, std=0.2)
    return w


def layer_norm(x, g, b, eps):
    mean = x.mean(-1, keepdim=True)
    var = ((x - mean) ** 2).mean(-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps) * g + b


def gelu(x):
    # BERT's exact GELU, written out rather than calling F.gelu
    return 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))


def linear(x, w, b):
    return x @ w.T + b


def encode(w, cfg, ids, mask, types):
    """Mean-pooled sentence embeddings [B, D] in float64."""
    w = {k: t.double() for k, t in w.items()}
    d, nh, eps = cfg["hidden_size"], cfg["num_attention_heads"], cfg["layer_norm_eps"]
    hd = d // nh
    bsz, t = ids.shape
    x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:t] \
        + w["embeddings.token_type_embeddings.weight"][types]
    x = layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], eps)
    # padded keys get a large negative score, so no real token attends to padding
    key_bias = (1.0 - mask.double())[:, None, None, :] * torch.finfo(torch.float64).min
    for i in range(cfg["num_hidden_layers"]):
        L = f"encoder.layer.{i}."

        def heads(name):
            y = linear(x, w[L + f"attention.self.{name}.weight"], w[L + f"attention.self.{name}.bias"])
            return y.view(bsz, t, nh, hd).transpose(1, 2)

        q, k, v = heads("query"), heads("key"), heads("value")
        att = (q @ k.transpose(-2, -1)) / math.sqrt(hd) + key_bias
        y = (att.softmax(-1) @ v).transpose(1, 2).reshape(bsz, t, d)
        y = linear(y, w[L + "attention.output.dense.weight"], w[L + "attention.output.dense.bias"])
        x = layer_norm(x + y, w[L + "attention.output.LayerNorm.weight"], w[L + "attention.output.LayerNorm.bias"], eps)
        h = gelu(linear(x, w[L + "intermediate.dense.weight"], w[L + "intermediate.dense.bias"]))
        h = linear(h, w[L + "output.dense.weight"], w[L + "output.dense.bias"])
        x = layer_norm(x + h, w[L + "output.LayerNorm.weight"], w[L + "output.LayerNorm.bias"], eps)
    m = mask.double()[:, :, None]
    return (x * m).sum(1) / m.sum(1)


def info_nce(anchors, positives, temperature):
    """Symmetric-free InfoNCE with in-batch negatives: row i of anchors should pick row i of positives."""
    a = anchors / anchors.norm(dim=-1, keepdim=True)
    p = positives / positives.norm(dim=-1, keepdim=True)
    logits = a @ p.T / temperature
    return torch.nn.functional.cross_entropy(logits, torch.arange(a.shape[0]))


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


def tokenizer_json():
    """A minimal Hugging Face WordPiece tokenizer.json ([CLS] text [SEP], lower-cased)."""
    ids = {tok: i for i, tok in enumerate(VOCAB)}
    special = lambda tok: {"id": ids[tok], "content": tok, "single_word": False, "lstrip": False,
                           "rstrip": False, "normalized": False, "special": True}
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [special(t) for t in SPECIALS],
        "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
                       "strip_accents": None, "lowercase": True},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                       {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": "[SEP]", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}},
                     {"SpecialToken": {"id": "[SEP]", "type_id": 1}}],
            "special_tokens": {t: {"id": t, "ids": [ids[t]], "tokens": [t]} for t in ("[CLS]", "[SEP]")},
        },
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": ids},
    }


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "resources", "fixtures", "bert-tiny")
    os.makedirs(out, exist_ok=True)
    gen = torch.Generator().manual_seed(SEED)
    weights = make_weights(CONFIG, gen)
    width = max(LENGTHS)
    ids = torch.zeros(len(LENGTHS), width, dtype=torch.long)
    mask = torch.zeros(len(LENGTHS), width, dtype=torch.long)
    types = torch.zeros(len(LENGTHS), width, dtype=torch.long)
    for r, n in enumerate(LENGTHS):
        ids[r, 0] = VOCAB.index("[CLS]")
        ids[r, 1:n - 1] = torch.randint(len(SPECIALS), len(VOCAB), (n - 2,), generator=gen)
        ids[r, n - 1] = VOCAB.index("[SEP]")
        mask[r, :n] = 1
    types[1, 2:5] = 1  # one row uses the second segment, so the token-type table is exercised
    with torch.no_grad():
        pooled = encode(weights, CONFIG, ids, mask, types)
    normalized = pooled / pooled.norm(dim=-1, keepdim=True)

    # one contrastive pass: rows 0,1 are anchors of rows 2,3
    leaves = {k: t.double().requires_grad_(True) for k, t in weights.items()}
    emb = encode(leaves, CONFIG, ids, mask, types)
    loss = info_nce(emb[:2], emb[2:], TEMPERATURE)
    loss.backward()
    encoder_leaves = [p for k, p in leaves.items() if not k.startswith("pooler.")]
    grad_norm = math.sqrt(sum(float((p.grad ** 2).sum()) for p in encoder_leaves))

    prefixed = {"bert." + k: t for k, t in weights.items()}
    write_safetensors(os.path.join(out, "model.safetensors"), prefixed, {"format": "pt"})
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(CONFIG, f, indent=2)
    with open(os.path.join(out, "tokenizer.json"), "w") as f:
        json.dump(tokenizer_json(), f, indent=1)
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump({
            "torch_version": torch.__version__,
            "ids": ids.tolist(),
            "attention_mask": mask.tolist(),
            "token_type_ids": types.tolist(),
            "mean_pooled": [[float("%.9g" % v) for v in row] for row in pooled.tolist()],
            "normalized": [[float("%.9g" % v) for v in row] for row in normalized.tolist()],
            "temperature": TEMPERATURE,
            "info_nce_loss": float(loss),
            "info_nce_grad_norm": grad_norm,
        }, f)
    print("wrote", out, "pooled range", float(pooled.min()), float(pooled.max()), "loss", float(loss))


if __name__ == "__main__":
    main()
