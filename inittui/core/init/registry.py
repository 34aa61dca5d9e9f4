"""The initializer registry: the entries, the parsed choice, and the parser.

This module imports no torch, so the app can list initializers and parse a spec before
torch has loaded; the entries are in `inittui.core.init.entries` (one per initializer, with
its draw named), the draws in `inittui.core.init.draws`.

A parsed choice is a `str`: its label (`he-normal:mode=fan_out`), so it is shown, written,
compared and used as a key as that label, and it carries its entry (`info`) and every
parameter (`params`), so nothing parses it again. The parser gives canonical labels; text
given in code or read from a file keeps its spelling (`as_initializer`, `read_initializer`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from inittui.core.errors import SpecError, unknown_name
from inittui.core.init.entries import BIASES, WEIGHTS
from inittui.core.init.entry import AUTO, InitializerInfo

__all__ = [
    "AUTO", "UNKNOWN", "BiasChoice", "InitializerChoice", "InitializerInfo",
    "as_bias_initializer", "as_initializer", "bias_registry", "known", "parse_bias_initializer",
    "parse_initializer", "read_bias_initializer", "read_initializer", "registry",
]

UNKNOWN = InitializerInfo("", "", "", (), {}, note="a label this version does not know")
"""The entry of a label read from a results file that this version cannot parse."""


class _Choice(str):
    """A parsed initializer: its label as a str, with its entry and parameters."""

    info: InitializerInfo
    items: tuple[tuple[str, object], ...]

    def __new__(cls, info: InitializerInfo, items: tuple[tuple[str, object], ...],
                label: str | None = None) -> _Choice:
        choice = super().__new__(cls, _label(info, items) if label is None else label)
        object.__setattr__(choice, "info", info)
        object.__setattr__(choice, "items", items)
        return choice

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"a parsed initializer is immutable (setting {name})")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"

    @property
    def params(self) -> dict[str, object]:
        """Every parameter, defaults filled in."""
        return dict(self.items)

    @property
    def label(self) -> str:
        """Its text: from the parser, the name plus non-default parameters, sorted
        (`normal:std=0.05`)."""
        return str(self)

    @property
    def known(self) -> bool:
        """False for a label read from a file that this version does not know."""
        return self.info is not UNKNOWN


class InitializerChoice(_Choice):
    """A parsed weight initializer, e.g. `he-normal:mode=fan_out`."""

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return read_initializer, (str(self),)

    def variance(self, fan_in: float, fan_out: float, auto_gain: float = 1.0) -> float | None:
        """Var W of one drawn entry (σ_w² = fan_in·Var W); None where the entry has no rule
        (data-dependent or structural). auto_gain stands for `gain=auto` (the activation's)."""
        rule = self.info.variance
        return None if rule is None else rule(self.params, fan_in, fan_out, auto_gain)


class BiasChoice(_Choice):
    """A parsed bias initializer, e.g. `constant:value=0.1`."""

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return read_bias_initializer, (str(self),)


def _label(info: InitializerInfo, items: tuple[tuple[str, object], ...]) -> str:
    changed = sorted((k, v) for k, v in items if v != info.defaults[k])
    pairs = ",".join(f"{key}={_format_value(value)}" for key, value in changed)
    return f"{info.name}:{pairs}" if pairs else info.name


_POSITIVE = ("std", "gain", "scale")


def registry() -> tuple[InitializerInfo, ...]:
    """Every weight initializer, in the order the UI lists them."""
    return WEIGHTS


def bias_registry() -> tuple[InitializerInfo, ...]:
    """Every bias initializer, in the order the UI lists them."""
    return BIASES


def _normalize(name: str) -> str:
    """Case-insensitive, and torch spellings too: `Kaiming_Normal_` → `kaiming-normal`."""
    return name.strip().lower().replace("_", "-").strip("-")


def _lookup(
    entries: tuple[InitializerInfo, ...],
) -> dict[str, tuple[InitializerInfo, dict[str, object]]]:
    """Normalized name or alias → (entry, parameters the alias sets)."""
    table = {}
    for info in entries:
        table[_normalize(info.name)] = (info, {})
        for alias in info.aliases:
            table[_normalize(alias)] = (info, info.presets.get(_normalize(alias), {}))
    return table


_WEIGHT_LOOKUP = _lookup(WEIGHTS)
_BIAS_LOOKUP = _lookup(BIASES)


def _format_value(value: object) -> str:
    """Shortest text that parses back to the same value: `1` not `1.0`, `true` not `True`."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return repr(value).removesuffix(".0")
    return str(value)


def _parse_value(fld: str, info: InitializerInfo, key: str, text: str) -> object:
    """One `key=value` value, parsed to the type of the key's default."""
    default = info.defaults[key]
    value = text.strip().lower()
    if isinstance(default, bool):
        if value not in ("true", "false"):
            raise SpecError(fld, f"{info.name}: {key} must be true or false, got '{text}'")
        return value == "true"
    choices = info.choices.get(key)
    if choices:
        value = value.replace("-", "_")
        if value not in choices:
            raise SpecError(
                fld, f"{info.name}: {key} must be one of {', '.join(choices)}, got '{text}'"
            )
        return value
    if key in info.auto and value == AUTO:
        return AUTO
    return _parse_number(fld, info, key, text)


def _parse_number(fld: str, info: InitializerInfo, key: str, text: str) -> float:
    """A finite float; positive for scales (std, gain, scale)."""
    auto = " or auto" if key in info.auto else ""
    try:
        number = float(text.strip())
    except ValueError:
        raise SpecError(fld, f"{info.name}: {key} must be a number{auto}, got '{text}'") from None
    if not math.isfinite(number):
        raise SpecError(fld, f"{info.name}: {key} must be finite, got '{text}'")
    if key in _POSITIVE and number <= 0:
        raise SpecError(fld, f"{info.name}: {key} must be greater than 0, got '{text}'")
    return number


def _parse(
    text: str, fld: str, kind: str, lookup: Mapping[str, tuple[InitializerInfo, dict[str, object]]]
) -> tuple[InitializerInfo, tuple[tuple[str, object], ...]]:
    """Split `name:key=value,...`, resolve the name, and fill in every parameter."""
    name, _, rest = str(text).partition(":")
    if _normalize(name) not in lookup:
        entries = {info for info, _ in lookup.values()}
        raise SpecError(fld, unknown_name(kind, name.strip(), [info.name for info in entries],
                                          [alias for info in entries for alias in info.aliases]))
    info, preset = lookup[_normalize(name)]
    params: dict[str, Any] = {**info.defaults, **preset}
    keys = ", ".join(info.defaults) or "none"
    given: set[str] = set()
    for pair in filter(None, (piece.strip() for piece in rest.split(","))):
        key, sep, value = (part.strip() for part in pair.partition("="))
        key = key.lower()
        if not sep or key not in info.defaults:
            raise SpecError(fld, f"bad parameter '{pair}' for {info.name} (keys: {keys})")
        if key in given:
            raise SpecError(fld, f"parameter '{key}' given twice in '{str(text).strip()}'")
        given.add(key)
        params[key] = _parse_value(fld, info, key, value)
    if "a" in params and params["a"] >= params["b"]:
        raise SpecError(fld, f"{info.name}: a must be less than b, got '{str(text).strip()}'")
    return info, tuple(params.items())


def parse_initializer(text: str) -> InitializerChoice:
    """Parse `he-normal:mode=fan_out,truncated=true`; raises SpecError('init', ...).

    Text comes in from a command line, a form or a file; a choice is returned as it is.
    """
    if isinstance(text, InitializerChoice):
        return text
    return _parse_weight(str(text))


@lru_cache(maxsize=1024)
def _parse_weight(text: str) -> InitializerChoice:
    return InitializerChoice(*_parse(text, "init", "initializer", _WEIGHT_LOOKUP))


def parse_bias_initializer(text: str) -> BiasChoice:
    """Parse `constant:value=0.1`; raises SpecError('bias-init', ...)."""
    if isinstance(text, BiasChoice):
        return text
    return _parse_bias(str(text))


@lru_cache(maxsize=256)
def _parse_bias(text: str) -> BiasChoice:
    return BiasChoice(*_parse(text, "bias-init", "bias initializer", _BIAS_LOOKUP))


def as_initializer(text: str) -> InitializerChoice:
    """A choice as it is; text parsed (SpecError if bad), keeping its spelling as the label,
    so a spec made in code shows what it was given. Parsers give canonical labels."""
    if isinstance(text, InitializerChoice):
        return text
    choice = parse_initializer(text)
    return choice if choice == text else InitializerChoice(choice.info, choice.items, str(text))


def as_bias_initializer(text: str) -> BiasChoice:
    """A bias choice as it is, or its text parsed, spelling kept (see `as_initializer`)."""
    if isinstance(text, BiasChoice):
        return text
    choice = parse_bias_initializer(text)
    return choice if choice == text else BiasChoice(choice.info, choice.items, str(text))


def read_initializer(label: str) -> InitializerChoice:
    """A label read back from a file (or a pickle): parsed with its spelling kept, or kept
    as an UNKNOWN entry's label when this version does not know it (shown, never drawn)."""
    try:
        return as_initializer(label)
    except SpecError:
        return InitializerChoice(UNKNOWN, (), str(label))


def read_bias_initializer(label: str) -> BiasChoice:
    """A bias label read back from a file (see `read_initializer`)."""
    try:
        return as_bias_initializer(label)
    except SpecError:
        return BiasChoice(UNKNOWN, (), str(label))


def known(choice: InitializerChoice) -> InitializerChoice:
    """The choice, or the parser's one-line SpecError for a label this version does not know
    (asked before anything is drawn)."""
    return choice if choice.known else _parse_weight(str(choice))
