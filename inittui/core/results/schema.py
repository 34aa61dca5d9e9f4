"""The results files' columns, statuses and cell rules: what writers and readers agree on.

Every column a results or statistics file has, in order; a file written before a column
existed still reads (the reader treats a missing optional column as empty).
"""

from __future__ import annotations

import re

RESULT_COLUMNS = (
    "sweep_id",
    "run_id",
    "init",
    "bias_init",
    "output_init",
    "seed",
    "dataset",
    "model",
    "hidden",
    "activation",
    "optimizer",
    "lr",
    "momentum",
    "batch_size",
    "epochs",
    "param",
    "base_width",
    "norm",
    "residual_init",
    "epoch",
    "train_loss",
    "train_acc",
    "val_loss",
    "val_acc",
    "test_acc",
    "status",
    "wall_s",
    "device",
    "cell",
)
STATS_COLUMNS = (
    "run_id", "init", "seed", "epoch", "layer", "act_mean", "act_std", "grad_std", "wgrad_std",
    "dead_frac", "distinct_units", "pre_grad_std", "dead_units", "pre_act_std",
    "mf_pre_act_std", "mf_pre_grad_std", "mf_act_std",
)
"""grad_std: std of ∂L/∂h (after the activation); pre_grad_std: std of ∂L/∂s (before it);
distinct_units counts live units, dead_units (ReLU family) apart; pre_act_std: std of s;
mf_*: mean-field predictions at epoch 0 (`core.theory`), empty where theory does not
apply; mf_pre_grad_std is anchored at the last hidden layer's measured pre_grad_std;
mf_act_std predicts act_std (the std of φ(s), s ~ N(0, q^l))."""
REQUIRED_COLUMNS = tuple(c for c in RESULT_COLUMNS if c not in (
    "sweep_id", "output_init", "momentum", "epochs", "cell", "param", "base_width", "norm",
    "residual_init"))
"""Files written before sweep_id and the spec columns existed still load."""

STATUSES = ("ok", "diverged", "stopped", "failed")
TEXT_COLUMNS = frozenset({
    "sweep_id", "run_id", "init", "bias_init", "output_init", "dataset", "model",
    "activation", "optimizer", "status", "device", "cell", "param", "norm", "residual_init",
})
"""Cells written through `neutralize`; the others are numbers."""
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""OWASP's CSV-injection rule: a cell starting with one of these is a formula to Excel."""
INTEGER_CELL = re.compile(r"[+]?[0-9]+")


# ── writing ──────────────────────────────────────────────────────────────────────────────
