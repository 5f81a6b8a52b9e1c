#!/usr/bin/env python3
"""Writes sentence-transformers fixtures that the Java tests (SentenceTransformerFixtureTest) compare against.

Each fixture is a tiny BERT with random weights, wrapped as sentence-transformers wraps a real one
(models.Transformer -> models.Pooling [-> models.Normalize]) and written by SentenceTransformer.save,
so the directory holds exactly the files sentence-transformers writes: modules.json, 1_Pooling/config.json,
[2_Normalize/config.json,] sentence_bert_config.json, config.json, model.safetensors, tokenizer.json,
tokenizer_config.json, config_sentence_transformers.json (no README.md: no model card). Which layout
that is depends on the version: sentence-transformers 6 names its modules
sentence_transformers.base.modules.* / sentence_transformer.modules.*, writes `pooling_mode` as one
string and keeps max_seq_length as tokenizer_config.json's model_max_length; 5.x and older write
sentence_transformers.models.*, pooling_mode_* booleans and sentence_bert_config.json's max_seq_length.
Beside them, expected.json holds the sentences, the token ids sentence-transformers feeds the model,
and the embeddings SentenceTransformer.encode returns (float32, CPU), plus a float64 run of the same
model to show how far float32 itself is from exact.

The tokenizer is a WordPiece over a vocab.txt written here: [PAD] [UNK] [CLS] [SEP] [MASK], some
words, and every letter a-z alone and as a ##continuation, so any lower-case ASCII word tokenizes;
BertNormalizer lower-cases and strips accents.

Needs torch, transformers, tokenizers and sentence-transformers; runs on CPU in seconds.
Usage: python3 make_sentence_transformer_fixtures.py OUTPUT_DIR
(then copy OUTPUT_DIR/* to ../resources/fixtures/sentence-transformers/). The committed fixtures were made
with sentence-transformers 6.0.1, transformers 5.17.0, tokenizers 0.23.2, torch 2.11.0 (versions.json).
"""
import json
import os
import shutil
import string
import sys
import tempfile

import torch

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
WORDS = ["the", "river", "runs", "past", "mill", "bread", "needs", "time", "two", "plus", "is", "four",
         "meter", "has", "one", "hundred", "under", "cafe", "over", "and", ".", ",", ":", "!", "?"]
LETTERS = list(string.ascii_lowercase)
VOCAB = SPECIALS + WORDS + [c for c in LETTERS if c not in WORDS] + ["##" + c for c in LETTERS]
MAX_POSITIONS = 24
SENTENCES = [
    "The river runs past the mill.",
    "Bread needs time.",
    # upper case and accents: BertNormalizer must make this "cafe under the river, ca fete !"
    "CAFÉ Ünder THE River, Ça Fête!",
    # longer than every fixture's max_seq_length: truncated to [CLS] + first tokens + [SEP]
    "two plus two is four and one meter has one hundred parts, so the river runs over the mill "
    "and past the bread, and time needs the river and the mill",
    # a single word: [CLS] word [SEP]
    "zebra",
]
# name -> pooling mode, Normalize module or not, models.Transformer's max_seq_length, type_vocab_size
# (rows of the token-type table; a single sentence uses row 0 only), seed
FIXTURES = {
    "cls-normalize": ("cls", True, 12, 2, 101),
    "mean": ("mean", False, 16, 1, 202),
    "max": ("max", False, 10, 3, 303),
    "mean-normalize": ("mean", True, 14, 2, 404),
}
BERT = dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=48,
            max_position_embeddings=MAX_POSITIONS, hidden_act="gelu", hidden_dropout_prob=0.0,
            attention_probs_dropout_prob=0.0, layer_norm_eps=1e-12, pad_token_id=0)


def write_vocab(path):
    assert len(set(VOCAB)) == len(VOCAB), "duplicate vocabulary entries"
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(VOCAB) + "\n")


def make_tokenizer(vocab_file, max_len):
    from tokenizers import Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import WordPiece
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(WordPiece.from_file(vocab_file, unk_token="[UNK]", max_input_chars_per_word=100))
    tok.normalizer = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True, strip_accents=True,
                                                lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    cls, sep = VOCAB.index("[CLS]"), VOCAB.index("[SEP]")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1", special_tokens=[("[CLS]", cls), ("[SEP]", sep)])
    tok.decoder = decoders.WordPiece(prefix="##")
    return PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]",
                                   sep_token="[SEP]", mask_token="[MASK]", model_max_length=max_len)


def randomize(model, seed):
    """Large random weights, so every part (biases, LayerNorm gains, GELU's curve) moves the embeddings."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in sorted(model.named_parameters()):
            noise = torch.randn(p.shape, generator=gen, dtype=torch.float64)
            if name.endswith("LayerNorm.weight"):
                value = 1.0 + 0.2 * noise
            elif name.endswith(".bias"):
                value = 0.2 * noise
            elif "embeddings" in name:
                value = 0.5 * noise
            else:
                value = 0.25 * noise  # hidden 32: keeps attention logits around +-10
            p.copy_(value.to(p.dtype))


def build(work, name, mode, normalize, max_seq_length, type_vocab_size, seed):
    from sentence_transformers import SentenceTransformer, models
    from transformers import BertConfig, BertModel

    base = os.path.join(work, name + "-base")
    os.makedirs(base)
    vocab_file = os.path.join(work, "vocab.txt")
    make_tokenizer(vocab_file, MAX_POSITIONS).save_pretrained(base)
    torch.manual_seed(seed)
    bert = BertModel(BertConfig(vocab_size=len(VOCAB), type_vocab_size=type_vocab_size, **BERT))
    randomize(bert, seed)
    bert.save_pretrained(base)
    transformer = models.Transformer(base, max_seq_length=max_seq_length)
    pooling = models.Pooling(transformer.get_word_embedding_dimension(), pooling_mode=mode)
    modules = [transformer, pooling] + ([models.Normalize()] if normalize else [])
    return SentenceTransformer(modules=modules, device="cpu")


def token_ids(model, sentence):
    features = model.tokenize([sentence])
    types = features.get("token_type_ids")
    ids = features["input_ids"][0].tolist()
    return ids, (types[0].tolist() if types is not None else [0] * len(ids))


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    torch.set_num_threads(1)  # one summation order, run to run
    import sentence_transformers
    import tokenizers
    import transformers
    from sentence_transformers import SentenceTransformer

    versions = {"sentence_transformers": sentence_transformers.__version__, "transformers": transformers.__version__,
                "tokenizers": tokenizers.__version__, "torch": torch.__version__}
    print("versions", versions, flush=True)
    work = tempfile.mkdtemp()
    write_vocab(os.path.join(work, "vocab.txt"))
    summary = {}
    for name, (mode, normalize, max_seq_length, type_vocab_size, seed) in FIXTURES.items():
        model = build(work, name, mode, normalize, max_seq_length, type_vocab_size, seed)
        target = os.path.join(out, name)
        # saved before the first encode, so tokenizer.json carries no truncation state from a call
        model.save(target, create_model_card=False)
        readme = os.path.join(target, "README.md")
        if os.path.exists(readme):
            os.remove(readme)
        embeddings = model.encode(SENTENCES, batch_size=len(SENTENCES), convert_to_numpy=True)
        tokens = [token_ids(model, s) for s in SENTENCES]
        # the saved directory loads back to the same numbers in sentence-transformers itself
        reloaded = SentenceTransformer(target, device="cpu")
        again = reloaded.encode(SENTENCES, batch_size=len(SENTENCES), convert_to_numpy=True)
        roundtrip = float(abs(again - embeddings).max())
        exact = None
        try:
            exact = model.to(torch.float64).encode(SENTENCES, batch_size=len(SENTENCES), convert_to_tensor=True)
            exact = exact.cpu().double().tolist()
        except Exception as e:  # the float64 run is informative only
            print(name, "float64 run failed:", repr(e), flush=True)
        float64_diff = None if exact is None else max(
            abs(a - float(b)) for row, erow in zip(embeddings.tolist(), exact) for b, a in zip(row, erow))
        expected = {
            "versions": versions,
            "pooling": mode,
            "normalize": normalize,
            "max_seq_length": max_seq_length,
            "type_vocab_size": type_vocab_size,
            "sentences": SENTENCES,
            "input_ids": [t[0] for t in tokens],
            "token_type_ids": [t[1] for t in tokens],
            "embeddings": [[float(v) for v in row] for row in embeddings.tolist()],
            "embeddings_float64": exact,
            "float32_vs_float64_max_abs": float64_diff,
            "save_load_max_abs": roundtrip,
        }
        with open(os.path.join(target, "expected.json"), "w", encoding="utf-8") as f:
            json.dump(expected, f, indent=1, ensure_ascii=False)
        summary[name] = {"lengths": [len(t[0]) for t in tokens], "range": [float(embeddings.min()),
                         float(embeddings.max())], "f32_vs_f64": float64_diff, "save_load": roundtrip}
        print(name, summary[name], flush=True)
    with open(os.path.join(out, "versions.json"), "w", encoding="utf-8") as f:
        json.dump({"versions": versions, "summary": summary}, f, indent=1)
    shutil.rmtree(work, ignore_errors=True)
    for root, _, files in sorted(os.walk(out)):
        for f in sorted(files):
            p = os.path.join(root, f)
            print(os.path.relpath(p, out), os.path.getsize(p))


if __name__ == "__main__":
    main()
