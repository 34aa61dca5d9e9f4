"""The user's own model: `--model path/to/file.py:ClassName`.

The class is an `nn.Module` whose constructor takes the input shape (e.g. (1, 28, 28))
and the number of classes, and whose forward maps a batch to logits. Every way this can
go wrong is one line naming the file and the class.
"""

from __future__ import annotations

import importlib.util
import inspect
import sys
from pathlib import Path

from torch import nn

from inittui.core.errors import SpecError
from inittui.core.specs import is_user_model, split_user_model

__all__ = ["build_user_model", "is_user_model", "load_user_class"]


def load_user_class(text: str) -> type[nn.Module]:
    """Import the file and return the class; SpecError('model', ...) for every failure."""
    file, name = split_user_model(text)
    path = Path(file).expanduser()
    if not path.is_file():
        raise SpecError("model", f"model file '{path}' not found")
    module_name = f"inittui_user_model_{abs(hash(str(path.resolve())))}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise SpecError("model", f"model file '{path}' cannot be imported")
    module = importlib.util.module_from_spec(spec)
    try:
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
    except Exception as error:  # the user's code: any failure is reported, not raised
        sys.modules.pop(module_name, None)
        raise SpecError("model", f"model file '{path}' failed to import: "
                                 f"{type(error).__name__}: {error}") from None
    found = getattr(module, name, None)
    if not (inspect.isclass(found) and issubclass(found, nn.Module)):
        modules = sorted(key for key, value in vars(module).items()
                         if inspect.isclass(value) and issubclass(value, nn.Module)
                         and value.__module__ == module_name)
        what = "is not an nn.Module class" if found is not None else "not found"
        raise SpecError("model", f"class '{name}' {what} in '{path}' "
                                 f"(nn.Module classes there: {', '.join(modules) or 'none'})")
    return found


def build_user_model(cls: type[nn.Module], input_shape: tuple[int, ...],
                     classes: int) -> nn.Module:
    try:
        return cls(input_shape, classes)
    except Exception as error:
        raise SpecError("model", f"{cls.__name__}({input_shape}, {classes}) does not build: "
                                 f"{type(error).__name__}: {error}") from None
