#!/usr/bin/env python3
"""PyTorch side of the training-throughput benchmark.

The same layouts, sizes, batch, optimizer and loss as dev.cpt.model.LanguageModel, in float32.
GPT-2 (small, medium): learned token + position embeddings, pre-LN blocks, fused qkv (c_attn),
causal attention with an additive -inf mask, GELU (tanh approximation), MLP 4x, final LayerNorm,
tied head. Llama (llama20m): RMSNorm, rotary embeddings (rotate_half), grouped-query attention
(Hugging Face's repeat_kv), SwiGLU MLP, final RMSNorm, tied head, no biases. Both: AdamW with
decoupled weight decay on matrices/embeddings only, global-norm clipping at 1.0.

Usage: /usr/bin/python3 train_throughput.py --size small|medium|llama20m [--batch 8] [--steps 20]
       [--warmup 3] [--threads 2]
Prints one RESULT line in the same format as the Java benchmark.
"""
import argparse
import math
import resource
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

SIZES = {  # vocab, ctx, layers, heads, embd -- GptConfig.small1M() / medium10M()
    "small": (256, 128, 5, 4, 128),
    "medium": (256, 128, 8, 5, 320),
}
# TrainThroughputBenchmark.llama20M(): the RESULT lines carry the parameter count, which the shell
# script compares between the two sides
LLAMA = {
    "llama20m": dict(vocab=8192, ctx=256, d=384, inter=1024, layers=11, heads=6, kv_heads=2, head_dim=64,
                     eps=1e-5, theta=10000.0),
}


class Block(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.h = h
        self.ln_1 = nn.LayerNorm(d, eps=1e-5)
        self.c_attn = nn.Linear(d, 3 * d)
        self.attn_proj = nn.Linear(d, d)
        self.ln_2 = nn.LayerNorm(d, eps=1e-5)
        self.c_fc = nn.Linear(d, 4 * d)
        self.mlp_proj = nn.Linear(4 * d, d)

    def forward(self, x, mask):
        b, t, c = x.shape
        hd = c // self.h
        q, k, v = self.c_attn(self.ln_1(x)).split(c, dim=2)
        q = q.view(b, t, self.h, hd).transpose(1, 2) * (1.0 / math.sqrt(hd))
        k = k.view(b, t, self.h, hd).transpose(1, 2)
        v = v.view(b, t, self.h, hd).transpose(1, 2)
        att = (q @ k.transpose(-2, -1) + mask).softmax(-1)
        y = (att @ v).transpose(1, 2).reshape(b, t, c)
        x = x + self.attn_proj(y)
        return x + self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh"))


class Gpt(nn.Module):
    def __init__(self, vocab, ctx, layers, heads, d):
        super().__init__()
        self.wte = nn.Parameter(torch.randn(vocab, d) * 0.02)
        self.wpe = nn.Parameter(torch.randn(ctx, d) * 0.01)
        self.blocks = nn.ModuleList(Block(d, heads) for _ in range(layers))
        self.ln_f = nn.LayerNorm(d, eps=1e-5)
        self.register_buffer("mask", torch.full((ctx, ctx), float("-inf")).triu(1))

    def forward(self, ids):
        t = ids.shape[1]
        x = F.embedding(ids, self.wte) + self.wpe[:t]
        mask = self.mask[:t, :t]
        for blk in self.blocks:
            x = blk(x, mask)
        return F.linear(self.ln_f(x), self.wte)


class RmsNorm(nn.Module):
    def __init__(self, d, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


class LlamaLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        d, hd = c["d"], c["head_dim"]
        self.heads, self.kv_heads, self.hd = c["heads"], c["kv_heads"], hd
        self.input_layernorm = RmsNorm(d, c["eps"])
        self.q_proj = nn.Linear(d, self.heads * hd, bias=False)
        self.k_proj = nn.Linear(d, self.kv_heads * hd, bias=False)
        self.v_proj = nn.Linear(d, self.kv_heads * hd, bias=False)
        self.o_proj = nn.Linear(self.heads * hd, d, bias=False)
        self.post_attention_layernorm = RmsNorm(d, c["eps"])
        self.gate_proj = nn.Linear(d, c["inter"], bias=False)
        self.up_proj = nn.Linear(d, c["inter"], bias=False)
        self.down_proj = nn.Linear(c["inter"], d, bias=False)

    def forward(self, x, mask, cos, sin):
        b, t, _ = x.shape
        a = self.input_layernorm(x)
        q = self.q_proj(a).view(b, t, self.heads, self.hd).transpose(1, 2)
        k = self.k_proj(a).view(b, t, self.kv_heads, self.hd).transpose(1, 2)
        v = self.v_proj(a).view(b, t, self.kv_heads, self.hd).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = k.repeat_interleave(self.heads // self.kv_heads, dim=1)
        v = v.repeat_interleave(self.heads // self.kv_heads, dim=1)
        att = ((q @ k.transpose(-2, -1)) * self.hd ** -0.5 + mask).softmax(-1)
        x = x + self.o_proj((att @ v).transpose(1, 2).reshape(b, t, self.heads * self.hd))
        m = self.post_attention_layernorm(x)
        return x + self.down_proj(F.silu(self.gate_proj(m)) * self.up_proj(m))


class Llama(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embed_tokens = nn.Parameter(torch.randn(c["vocab"], c["d"]) * 0.02)
        self.layers = nn.ModuleList(LlamaLayer(c) for _ in range(c["layers"]))
        self.norm = RmsNorm(c["d"], c["eps"])
        hd, ctx = c["head_dim"], c["ctx"]
        inv = 1.0 / (c["theta"] ** (torch.arange(0, hd, 2, dtype=torch.float64) / hd))
        emb = torch.outer(torch.arange(ctx, dtype=torch.float64), inv).repeat(1, 2)
        self.register_buffer("cos", emb.cos().float())
        self.register_buffer("sin", emb.sin().float())
        self.register_buffer("mask", torch.full((ctx, ctx), float("-inf")).triu(1))

    def forward(self, ids):
        t = ids.shape[1]
        x = F.embedding(ids, self.embed_tokens)
        mask, cos, sin = self.mask[:t, :t], self.cos[:t], self.sin[:t]
        for layer in self.layers:
            x = layer(x, mask, cos, sin)
        return F.linear(self.norm(x), self.embed_tokens)  # tied head


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", default="small", choices=list(SIZES) + list(LLAMA))
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(0)
    if a.size in LLAMA:
        c = LLAMA[a.size]
        vocab, ctx = c["vocab"], c["ctx"]
        model = Llama(c)
    else:
        vocab, ctx, layers, heads, d = SIZES[a.size]
        model = Gpt(vocab, ctx, layers, heads, d)
    params = sum(p.numel() for p in model.parameters())
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=3e-4, betas=(0.9, 0.95), eps=1e-8)
    gen = torch.Generator().manual_seed(0)
    print(f"pytorch: size={a.size} params={params} torch={torch.__version__} "
          f"intra-op threads={torch.get_num_threads()} batch={a.batch} ctx={ctx}", flush=True)

    def step(rows):
        x, y = rows[:, :-1], rows[:, 1:]
        logits = model(x)
        loss = F.cross_entropy(logits.reshape(-1, vocab), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        if torch.isfinite(loss) and torch.isfinite(norm):  # same skip check the Java side does
            opt.step()
        return loss.item()

    def batch():
        return torch.randint(0, vocab, (a.batch, ctx + 1), generator=gen)

    for _ in range(a.warmup):
        step(batch())
    times, loss = [], 0.0
    for _ in range(a.steps):
        rows = batch()  # outside the timed region, as on the Java side
        t0 = time.perf_counter()
        loss = step(rows)
        times.append(time.perf_counter() - t0)
    secs = sum(times)
    median = sorted(times)[len(times) // 2]
    per_step = a.batch * ctx
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(f"RESULT impl=pytorch size={a.size} params={params} batch={a.batch} ctx={ctx} "
          f"threads={torch.get_num_threads()} steps={a.steps} tokens_per_s={per_step * a.steps / secs:.1f} "
          f"tokens_per_s_median={per_step / median:.1f} step_ms_median={1000 * median:.1f} "
          f"peak_rss_mb={peak_mb:.1f} loss={loss:.4f}", flush=True)


if __name__ == "__main__":
    main()
