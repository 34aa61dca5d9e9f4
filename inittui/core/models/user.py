"""The user's own model: `--model path/to/file.py:ClassName`.

The class is an `nn.Module` whose constructor takes the input shape (e.g. (1, 28, 28))
and the number of classes, and whose forward maps a batch to logits. Every way this can
go wrong is one line naming the file and the class.

Importing the file runs its code, with the user's rights: that is the point of the
option, and why a results file that names a model is never imported on `--load`. Code
that ends the process itself (`os._exit`) ends inittui; `sys.exit()` at import is caught.
"""

from __future__ import annotations

import importlib.util
import inspect
import sys
from pathlib import Path

from torch import nn

from inittui.core.errors import SpecError, shown, shown_path
from inittui.core.spec.experiment import is_user_model, split_user_model

__all__ = ["build_user_model", "is_user_model", "load_user_class"]


def load_user_class(text: str) -> type[nn.Module]:
    """Import the file and return the class; SpecError('model', ...) for every failure."""
    file, name = split_user_model(text)
    path = Path(file).expanduser()
    if not path.is_file():
        raise SpecError("model", f"model file '{shown_path(path)}' not found")
    module_name = f"inittui_user_model_{abs(hash(str(path.resolve())))}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise SpecError("model", f"model file '{shown_path(path)}' cannot be imported")
    module = importlib.util.module_from_spec(spec)
    try:
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
    except SystemExit as error:  # sys.exit() at import; os._exit() cannot be caught
        sys.modules.pop(module_name, None)
        raise SpecError("model", f"model file '{shown_path(path)}' called sys.exit("
                                 f"{shown(error.code, 40)}) while being imported") from None
    except Exception as error:  # the user's code: any failure is reported, not raised
        sys.modules.pop(module_name, None)
        first = str(error).strip().splitlines()[0] if str(error).strip() else ""
        raise SpecError("model", f"model file '{shown_path(path)}' failed to import: "
                                 f"{type(error).__name__}: {shown(first, 200)}") from None
    found = getattr(module, name, None)
    if not (inspect.isclass(found) and issubclass(found, nn.Module)):
        modules = sorted(key for key, value in vars(module).items()
                         if inspect.isclass(value) and issubclass(value, nn.Module)
                         and value.__module__ == module_name)
        what = "is not an nn.Module class" if found is not None else "not found"
        raise SpecError("model", f"class '{name}' {what} in '{shown_path(path)}' "
                                 f"(nn.Module classes there: {', '.join(modules) or 'none'})")
    return found


def build_user_model(cls: type[nn.Module], input_shape: tuple[int, ...],
                     classes: int) -> nn.Module:
    """One copy of the user's model; the engine also builds it on the meta device, to size
    a sweep without memory, where a tensor has a shape but no values."""
    try:
        model = cls(input_shape, classes)
    except Exception as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else ""
        hint = "; sizes must be Python numbers (math.prod(input_shape)), not " \
            "tensor values (.item(), int(tensor)): models are also built on the meta " \
            "device, where tensors hold no values" if "meta" in first else ""
        raise SpecError("model", f"{cls.__name__}({input_shape}, {classes}) does not build: "
                                 f"{type(error).__name__}: {shown(first, 200)}{hint}") \
            from None
    if not any(True for _ in model.parameters()):
        raise SpecError("model", f"{cls.__name__} has no parameters: there is nothing to "
                                 "initialize or train (give it a layer such as nn.Linear)")
    return model
