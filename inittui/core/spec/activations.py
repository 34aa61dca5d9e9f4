"""The activation names every part of the core agrees on (no torch, no other imports)."""

ACTIVATIONS = ("relu", "leaky-relu", "tanh", "sigmoid", "gelu", "selu", "linear")
