"""The transformer forms scripts/onnx_coverage.py exports besides torchvision's models, written
here in plain torch the way the libraries they stand for structure them (no download, random
weights): a Hugging Face-style BERT-base encoder, GPT-2 small with separate Q/K/V projections, GPT-2
as Hugging Face writes it (Conv1D: addmm on a [B * T, F] view, one fused QKV projection split in
three), that GPT-2 with its LM head tied to the token embedding, and torch.nn.TransformerEncoder
with batch_first True and False. Sequence length 128, batch 1. FORMS maps a name to a function
returning (model in eval mode, example inputs); DYNAMIC_AXES the exports' dynamic dims.
"""
import math

import torch
from torch import nn
from torch.nn import functional as F

SEQ = 128


class BertLayer(nn.Module):
    def __init__(self, h=768, heads=12, ffn=3072):
        super().__init__()
        self.heads, self.dh = heads, h // heads
        self.q, self.k, self.v, self.o = (nn.Linear(h, h) for _ in range(4))
        self.ln1, self.ln2 = nn.LayerNorm(h, eps=1e-12), nn.LayerNorm(h, eps=1e-12)
        self.up, self.down = nn.Linear(h, ffn), nn.Linear(ffn, h)

    def split(self, x):
        return x.view(x.size()[:-1] + (self.heads, self.dh)).permute(0, 2, 1, 3)

    def forward(self, x, mask):
        q, k, v = self.split(self.q(x)), self.split(self.k(x)), self.split(self.v(x))
        s = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.dh) + mask
        c = torch.matmul(s.softmax(dim=-1), v).permute(0, 2, 1, 3).contiguous()
        c = c.view(c.size()[:-2] + (self.heads * self.dh,))
        x = self.ln1(self.o(c) + x)
        return self.ln2(self.down(F.gelu(self.up(x))) + x)


class Bert(nn.Module):
    def __init__(self, vocab=30522, h=768, layers=12):
        super().__init__()
        self.word, self.pos, self.tt = nn.Embedding(vocab, h), nn.Embedding(512, h), nn.Embedding(2, h)
        self.ln = nn.LayerNorm(h, eps=1e-12)
        self.layers = nn.ModuleList(BertLayer(h) for _ in range(layers))
        self.pooler = nn.Linear(h, h)
        self.register_buffer("position_ids", torch.arange(512).expand((1, -1)))
        self.register_buffer("token_type_ids", torch.zeros((1, 512), dtype=torch.long))

    def forward(self, ids, mask):
        t = ids.size(1)
        tt = self.token_type_ids[:, :t].expand(ids.size())
        x = self.ln(self.word(ids) + self.tt(tt) + self.pos(self.position_ids[:, :t]))
        ext = (1.0 - mask[:, None, None, :].to(x.dtype)) * -10000.0
        for layer in self.layers:
            x = layer(x, ext)
        return x, torch.tanh(self.pooler(x[:, 0]))


class Conv1D(nn.Module):
    """Hugging Face GPT-2's linear: y = x W + b with W [in, out], as an addmm on a 2-D view."""

    def __init__(self, nf, nx):
        super().__init__()
        self.nf = nf
        self.weight = nn.Parameter(torch.randn(nx, nf) * 0.02)
        self.bias = nn.Parameter(torch.zeros(nf))

    def forward(self, x):
        size = x.size()[:-1] + (self.nf,)
        return torch.addmm(self.bias, x.view(-1, x.size(-1)), self.weight).view(size)


def new_gelu(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


class Gpt2Block(nn.Module):
    def __init__(self, h=768, heads=12, fused=True):
        super().__init__()
        self.h, self.heads, self.dh, self.fused = h, heads, h // heads, fused
        self.ln_1, self.ln_2 = nn.LayerNorm(h), nn.LayerNorm(h)
        if fused:
            self.c_attn = Conv1D(3 * h, h)
        else:
            self.q, self.k, self.v = nn.Linear(h, h), nn.Linear(h, h), nn.Linear(h, h)
        self.c_proj, self.c_fc, self.mlp_proj = Conv1D(h, h), Conv1D(4 * h, h), Conv1D(h, 4 * h)
        self.register_buffer("bias", torch.tril(torch.ones((1024, 1024), dtype=torch.bool))
                             .view(1, 1, 1024, 1024))

    def split(self, x):
        return x.view(x.size()[:-1] + (self.heads, self.dh)).permute(0, 2, 1, 3)

    def attn(self, x):
        if self.fused:
            q, k, v = self.c_attn(x).split(self.h, dim=2)
        else:
            q, k, v = self.q(x), self.k(x), self.v(x)
        q, k, v = self.split(q), self.split(k), self.split(v)
        w = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.dh)
        t = q.size(-2)
        causal = self.bias[:, :, :t, :t]
        w = torch.where(causal, w, torch.tensor(torch.finfo(w.dtype).min, dtype=w.dtype))
        c = torch.matmul(w.softmax(dim=-1), v).permute(0, 2, 1, 3).contiguous()
        return self.c_proj(c.view(c.size()[:-2] + (self.h,)))

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp_proj(new_gelu(self.c_fc(self.ln_2(x))))


class Gpt2(nn.Module):
    def __init__(self, vocab=50257, h=768, layers=12, heads=12, fused=True, lm_head=False):
        super().__init__()
        self.wte, self.wpe = nn.Embedding(vocab, h), nn.Embedding(1024, h)
        self.blocks = nn.ModuleList(Gpt2Block(h, heads, fused) for _ in range(layers))
        self.ln_f = nn.LayerNorm(h)
        self.lm_head = None
        if lm_head:
            self.lm_head = nn.Linear(h, vocab, bias=False)
            self.lm_head.weight = self.wte.weight  # tied, as GPT2LMHeadModel ties them

    def forward(self, ids):
        pos = torch.arange(0, ids.size(-1), dtype=torch.long).unsqueeze(0)
        x = self.wte(ids) + self.wpe(pos)
        for b in self.blocks:
            x = b(x)
        x = self.ln_f(x)
        return self.lm_head(x) if self.lm_head is not None else x


def _ids(vocab):
    return torch.randint(0, vocab, (1, SEQ))


def bert():
    return Bert().eval(), (_ids(30522), torch.ones(1, SEQ, dtype=torch.long))


def gpt2_separate_qkv():
    return Gpt2(fused=False).eval(), (_ids(50257),)


def gpt2_hf():
    return Gpt2().eval(), (_ids(50257),)


def gpt2_hf_lm_head():
    return Gpt2(lm_head=True).eval(), (_ids(50257),)


def encoder(batch_first):
    layer = nn.TransformerEncoderLayer(512, 8, 2048, batch_first=batch_first)
    model = nn.TransformerEncoder(layer, 6, enable_nested_tensor=False).eval()
    x = torch.randn(1, SEQ, 512) if batch_first else torch.randn(SEQ, 1, 512)
    return model, (x,)


# Exports that mark their batch dim dynamic: where it is not the first dim, the importer finds the
# batch by it (a sequence-first [T, N, E] input).
DYNAMIC_AXES = {"transformer_encoder_seq_first": {"input0": {1: "batch"}}}

FORMS = {
    "bert_hf": bert,
    "gpt2_separate_qkv": gpt2_separate_qkv,
    "gpt2_hf": gpt2_hf,
    "gpt2_hf_lm_head_tied": gpt2_hf_lm_head,
    "transformer_encoder_batch_first": lambda: encoder(True),
    "transformer_encoder_seq_first": lambda: encoder(False),
}
