"""Character-level text for the gpt model: the bundled play and a synthetic sequence task.

A sample is a window of `context` characters and its labels the same window shifted by
one, so the model predicts every next character at once. The bundled text is
Shakespeare's *Macbeth* (public domain; see the README for its source). It is split by
position, not shuffled window by window, so no validation window overlaps a training one:
the first part trains, then validation, and the last 15% tests.
"""

from __future__ import annotations

from pathlib import Path

import torch

from inittui.core.data.splits import TEST_FRACTION, DataSplits
from inittui.core.errors import DataError
from inittui.core.spec.data_fields import text_params

TEXT_FILE = "macbeth.txt"
SYNTHETIC_TEXT_SEED = 0


def bundled_text_path() -> Path:
    """The shipped text: inside the installed package, else in the checkout."""
    package = Path(__file__).resolve().parents[2]
    candidates = (package / "assets" / TEXT_FILE, package.parent / "assets" / TEXT_FILE)
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise DataError(f"the bundled text is missing (looked for {candidates[0]} and "
                    f"{candidates[1]}); reinstall inittui or choose another --dataset")


def load_text(name: str, val_split: float) -> DataSplits:
    """`text[:context=N]` (the bundled play) or `synthetic-text[:...]`, as token windows."""
    base = name.partition(":")[0]
    params = text_params(name)
    if base == "synthetic-text":
        return _synthetic_text(name, params)
    path = bundled_text_path()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise DataError(f"cannot read the bundled text {path}: {error}") from None
    vocabulary = sorted(set(text))
    lookup = {char: index for index, char in enumerate(vocabulary)}
    tokens = torch.tensor([lookup[char] for char in text], dtype=torch.int64)
    test_start = int(len(tokens) * (1 - TEST_FRACTION))
    val_start = int(test_start * (1 - val_split))
    context = params["context"]
    splits = [_windows(part, context) for part in (
        tokens[:val_start], tokens[val_start:test_start], tokens[test_start:])]
    return DataSplits(name, *splits[0], *splits[1], *splits[2], num_classes=len(vocabulary))


def _windows(tokens: torch.Tensor, context: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Non-overlapping windows: inputs (N, context) and next characters (N, context)."""
    count = (len(tokens) - 1) // context
    if count < 1:
        raise DataError(f"the text is too short for --dataset context={context}")
    x = tokens[:count * context].view(count, context)
    y = tokens[1:count * context + 1].view(count, context)
    return x.clone(), y.clone()


def _synthetic_text(name: str, params: dict[str, int]) -> DataSplits:
    """Sequences that count up modulo the vocabulary from a random start, with a random
    stride per sequence: the next token follows from the last two, so a model with
    attention learns it and a model without context sits near 1/vocabulary."""
    vocabulary, context = params["vocab"], params["context"]

    def draw(size: int, split_seed: int) -> tuple[torch.Tensor, torch.Tensor]:
        generator = torch.Generator().manual_seed(SYNTHETIC_TEXT_SEED + split_seed)
        start = torch.randint(0, vocabulary, (size, 1), generator=generator)
        stride = torch.randint(1, vocabulary, (size, 1), generator=generator)
        sequence = (start + stride * torch.arange(context + 1)) % vocabulary
        return sequence[:, :-1].clone(), sequence[:, 1:].clone()

    return DataSplits(name, *draw(params["train"], 1), *draw(params["val"], 2),
                      *draw(params["test"], 3), num_classes=vocabulary)
