"""Data set names as text (`synthetic:train=512,side=8`), with their sizes checked before
any image is drawn."""

from __future__ import annotations

from inittui.core.errors import SpecError, shown
from inittui.core.spec.values import choice, positive_int

DATASETS = ("mnist-5k", "mnist", "fashion-mnist", "cifar10", "synthetic", "text",
            "synthetic-text")
TEXT_DATASETS = ("text", "synthetic-text")
TEXT_DEFAULTS = {"text": {"context": 64},
                 "synthetic-text": {"train": 512, "val": 128, "test": 128, "context": 16,
                                    "vocab": 8}}
SYNTHETIC_DEFAULTS = {
    "train": 2000, "val": 500, "test": 500, "side": 28, "channels": 1, "classes": 10,
}
DEFAULT_DATASET = "mnist-5k"
MAX_SIDE = 1024
MAX_SYNTHETIC_BYTES = 4 * 2**30
"""A synthetic data set's float32 images, estimated from its sizes before any is drawn."""


def parse_dataset(text: str) -> str:
    value = str(text).strip()
    base, _, params = value.partition(":")
    base = choice("dataset", base, DATASETS, "data set")
    if params and base not in ("synthetic", *TEXT_DATASETS):
        raise SpecError("dataset", f"data set '{base}' takes no parameters, got '{value}'")
    if base == "synthetic":
        synthetic_params(value)
    if base in TEXT_DATASETS:
        text_params(f"{base}:{params}")
    return value.lower() if not params else f"{base}:{params}"


def _dataset_params(base: str, params: str, defaults: dict[str, int]) -> dict[str, int]:
    """`key=value` sizes over defaults: each key known and given once, each value named in
    its error (`synthetic val must be at least 1, got 0`)."""
    values = dict(defaults)
    given: set[str] = set()
    for pair in filter(None, (p.strip() for p in params.split(","))):
        key, sep, raw = pair.partition("=")
        key = key.strip()
        if not sep or key not in defaults:
            raise SpecError("dataset", f"bad {base} parameter '{shown(pair, 30)}' (use "
                                       f"key=value with keys: {', '.join(defaults)})")
        if key in given:
            raise SpecError("dataset", f"{base} parameter {key} is given twice")
        given.add(key)
        try:
            values[key] = positive_int(key, raw)
        except SpecError as error:
            raise SpecError("dataset", f"{base} {error}") from None
    return values


def synthetic_params(text: str) -> dict[str, int]:
    """The sizes in `synthetic:train=512,side=8`, filled in from SYNTHETIC_DEFAULTS; a data
    set too large to hold is refused here, before any of it is drawn."""
    _, _, params = text.partition(":")
    values = _dataset_params("synthetic", params, SYNTHETIC_DEFAULTS)
    if values["classes"] < 2:
        raise SpecError("dataset", "synthetic data needs at least 2 classes")
    if values["side"] > MAX_SIDE:
        raise SpecError("dataset", f"synthetic side must be at most {MAX_SIDE}, got "
                                   f"{values['side']}: the data set is too large")
    images = values["train"] + values["val"] + values["test"]
    size = images * values["channels"] * values["side"] ** 2 * 4
    if size > MAX_SYNTHETIC_BYTES:
        raise SpecError("dataset", f"the synthetic data set would take {size / 2**30:,.1f} "
                        f"GiB ({images:,} images of {values['channels']}×{values['side']}×"
                        f"{values['side']} float32; at most {MAX_SYNTHETIC_BYTES // 2**30} "
                        "GiB): use fewer images or a smaller side")
    return values


def text_params(text: str) -> dict[str, int]:
    """The sizes in `text:context=32` or `synthetic-text:train=256,vocab=6`, defaults filled in."""
    base, _, params = text.partition(":")
    values = _dataset_params(base, params, TEXT_DEFAULTS[base.strip().lower()])
    if values.get("vocab", 2) < 2:
        raise SpecError("dataset", "synthetic-text needs a vocabulary of at least 2")
    return values
