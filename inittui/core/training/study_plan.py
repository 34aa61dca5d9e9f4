"""What a learning-rate transfer study will train, known before torch loads.

A study (a preset such as mup2022) is one grid per parametrization, widths × lrs of the
spec's first initializer; `study_grids` builds them and `describe_study` words them for
`--plan`: the groups (a width each) with their widths and lrs, counted as a person writes.
"""

from __future__ import annotations

from dataclasses import replace

from inittui.core.errors import SpecError
from inittui.core.spec.experiment import ExperimentSpec
from inittui.core.spec.labels import format_value
from inittui.core.spec.presets import TransferStudy
from inittui.core.training.plan import groups_phrase, plan_grid, plural


def study_grids(spec: ExperimentSpec, study: TransferStudy) -> list[ExperimentSpec]:
    """One grid per parametrization: widths × lrs, one initializer (the spec's first)."""
    if not study.widths or not study.lrs:
        raise SpecError("preset", "a learning-rate transfer study needs widths and lrs")
    base = spec.first_cell()  # the study's own widths and lrs replace any listed values
    depth = len(base.hidden)
    grids = []
    for param in study.params:
        grid = replace(base, param=param, inits=spec.inits[:1])
        grid = grid.with_axis("hidden", [(width,) * depth for width in study.widths])
        grids.append(grid.with_axis("lr", study.lrs))
    return grids


def study_line(study: TransferStudy) -> str:
    """The study's axes in one phrase: `widths 64, 256 × lr 1e-4, 1e-3 × sp and mup`."""
    widths = ", ".join(str(width) for width in study.widths)
    lrs = ", ".join(format_value("lr", lr) for lr in study.lrs)
    return f"widths {widths} × lr {lrs} × {' and '.join(study.params)}"


def describe_study(spec: ExperimentSpec, study: TransferStudy) -> list[str]:
    """The plan of a study: a summary line, then a line per batched group (a width each)."""
    grids = study_grids(spec, study)
    groups = [(grid, group) for grid in grids for group in plan_grid(grid).groups]
    runs = sum(len(group.runs) for _, group in groups)
    seeds = f" × {plural(spec.seeds, 'seed')}" if spec.seeds > 1 else ""
    lines = [f"learning-rate transfer study: {plural(runs, 'run')} = 1 initializer "
             f"({spec.inits[0]}) × {plural(len(study.widths), 'width')} × "
             f"{plural(len(study.lrs), 'lr')} × "
             f"{plural(len(study.params), 'parametrization')}{seeds} "
             f"({study_line(study)}); {spec.model}, {spec.optimizer}, "
             f"{plural(spec.epochs, 'epoch')}, {spec.dataset}; {groups_phrase(len(groups))}"]
    for number, (grid, group) in enumerate(groups, start=1):
        width = group.spec.hidden[0]
        lrs = ", ".join(format_value("lr", lr) for lr in grid.axis_values("lr"))
        lines.append(f"  group {number}: {grid.param}, width {width} (hidden="
                     f"{format_value('hidden', group.spec.hidden)}): "
                     f"{plural(len(group.runs), 'run')} (lr {lrs} × "
                     f"{plural(spec.seeds, 'seed')})")
    return lines
