"""A small decoder-only transformer, nanoGPT-shaped, for next-character prediction.

Token and position embeddings, then blocks x + attn(ln1(x)), x + mlp(ln2(x)) with causal
self-attention, a final LayerNorm and a head that shares the token embedding's weight.
`--hidden 64x4` is 4 blocks of width 64. Inputs are (batch, tokens) of character ids;
logits are (batch, tokens, vocabulary).

Under μP (`base_width` given) two things change in the forward pass, as the `mup` package's
transformer: attention scores are q·k/d instead of q·k/√d (d the head's width), and the
logits are multiplied by base_width/width, MuSharedReadout's 1/m on a head tied to the
token embedding (a tied weight cannot carry the 1/m itself, as an untied readout's does).
Heads here are HEAD_WIDTH wide at every width (wider models have more heads), so d is 16
and μP's attention is the standard one scaled by 1/4 at every width.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from inittui.core.errors import SpecError
from inittui.core.models.activations import Activation
from inittui.core.models.structure import Branch, Probe

HEAD_WIDTH = 16  # channels per attention head: width 64 has 4 heads


class CausalSelfAttention(nn.Module):
    def __init__(self, width: int, heads: int, mup: bool = False):
        super().__init__()
        self.heads = heads
        head_width = width // heads
        self.scale = 1 / head_width if mup else 1 / math.sqrt(head_width)
        self.qkv = nn.Linear(width, 3 * width)
        self.proj = nn.Linear(width, width)  # writes into the residual stream

    def forward(self, x: Tensor) -> Tensor:
        batch, tokens, width = x.shape
        q, k, v = (t.view(batch, tokens, self.heads, -1).transpose(1, 2)
                   for t in self.qkv(x).split(width, dim=2))
        scores = (q @ k.transpose(-2, -1)) * self.scale
        future = torch.ones(tokens, tokens, dtype=torch.bool, device=x.device).triu(1)
        weights = F.softmax(scores.masked_fill(future, float("-inf")), dim=-1)
        out = (weights @ v).transpose(1, 2).reshape(batch, tokens, width)
        return self.proj(out)


class FeedForward(nn.Module):
    def __init__(self, width: int, activation: str):
        super().__init__()
        self.fc = nn.Linear(width, 4 * width)
        self.act = Activation(activation)
        self.proj = nn.Linear(4 * width, width)  # writes into the residual stream

    def forward(self, x: Tensor) -> Tensor:
        return self.proj(self.act(self.fc(x)))


class Block(nn.Module):
    def __init__(self, width: int, heads: int, activation: str, mup: bool = False):
        super().__init__()
        self.ln1 = nn.LayerNorm(width)
        self.attn = CausalSelfAttention(width, heads, mup)
        self.ln2 = nn.LayerNorm(width)
        self.mlp = FeedForward(width, activation)

    def forward(self, x: Tensor) -> Tensor:
        x = x + self.attn(self.ln1(x))
        return x + self.mlp(self.ln2(x))


class GPT(nn.Module):
    def __init__(self, input_shape: tuple[int, ...], classes: int, hidden: tuple[int, ...],
                 activation: str = "gelu", base_width: int | None = None):
        super().__init__()
        width = hidden[0]
        if any(size != width for size in hidden) or width % HEAD_WIDTH:
            raise SpecError("hidden", f"gpt blocks share one width, a multiple of "
                                      f"{HEAD_WIDTH}, got {hidden} (e.g. --hidden 64x4)")
        if len(input_shape) != 1:
            raise SpecError("model", "gpt needs token sequences: use --dataset text or "
                                     "synthetic-text")
        self.token = nn.Embedding(classes, width)
        self.position = nn.Embedding(input_shape[0], width)
        mup = base_width is not None
        self.blocks = nn.ModuleList(Block(width, width // HEAD_WIDTH, activation, mup)
                                    for _ in hidden)
        self.ln = nn.LayerNorm(width)
        self.head = nn.Linear(width, classes, bias=False)
        self.head.weight = self.token.weight  # weight tying (Press & Wolf 2017), as GPT-2
        self.output_mult = base_width / width if mup else 1.0  # μP: MuSharedReadout's 1/m

    def forward(self, tokens: Tensor) -> Tensor:
        positions = torch.arange(tokens.shape[-1], device=tokens.device)
        x = self.token(tokens) + self.position(positions)
        for block in self.blocks:
            x = block(x)
        x = self.ln(x)
        return self.head(x * self.output_mult if self.output_mult != 1.0 else x)

    def probes(self) -> list[Probe]:
        return [Probe(f"blocks.{i}", f"blocks.{i}.mlp.proj.weight")
                for i in range(len(self.blocks))]

    def residual_branches(self) -> list[Branch]:
        return [branch for i in range(len(self.blocks)) for branch in (
            Branch((f"blocks.{i}.attn.qkv", f"blocks.{i}.attn.proj")),
            Branch((f"blocks.{i}.mlp.fc", f"blocks.{i}.mlp.proj")))]

    def readout(self) -> str | None:
        return None  # the head is the token embedding, initialized as an embedding
