"""The main screen's keys that open another screen: clear (after asking), export, the
coordinate check, the phase diagram and a run's details.

Each takes the main screen, which holds the session's book; the app is only asked to push
the screen (and is never reached into).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from inittui.core.errors import InittuiError, SpecError, shown_path
from inittui.core.results.safe_files import check_writable
from inittui.core.results.writing import write_results
from inittui.core.spec.experiment import MUP_MODELS
from inittui.core.theory.readings import phase_rows
from inittui.tui.coord_choice import coord_check_choice
from inittui.tui.error_text import error_text
from inittui.tui.screens.confirm import ConfirmScreen
from inittui.tui.screens.export import ExportScreen, default_export_path
from inittui.tui.screens.phase import PhaseScreen
from inittui.tui.screens.run_detail import RunDetailScreen

if TYPE_CHECKING:
    from inittui.tui.main_screen import MainScreen


def open_coord_check(main: MainScreen) -> None:
    """The coordinate check of the setup's spec, computed in the screen's own worker."""
    from inittui.tui.screens.width_study import CoordCheckScreen

    try:
        setup = main.setup_spec()
    except SpecError as error:
        main.notify(error_text(error), title="Fix the setup first", severity="error",
                    markup=False)
        return
    board = main.leaderboard
    row = main.shown.group(board.highlighted_key)
    sweep = next((s for s in main.book.sweeps if row and s.number == row.sweep), None)
    spec, origin = coord_check_choice(setup, row, sweep.spec if sweep else None,
                                      leading=board.cursor_row == 0)
    if spec.model not in MUP_MODELS:
        main.notify(f"The coordinate check is implemented for the "
                    f"{', '.join(MUP_MODELS)} models, not {spec.model}.",
                    severity="warning", markup=False)
        return
    main.notify(f"Coordinate check with the settings of {origin}", markup=False)
    main.app.push_screen(CoordCheckScreen(spec=spec, compute=True, origin=origin))


def open_phase(main: MainScreen) -> None:
    """The newest sweep's initializers on the mean-field phase diagram."""
    if isinstance(main.app.screen, PhaseScreen) or not main.book.sweeps:
        return
    sweep = main.book.current
    main.app.push_screen(PhaseScreen(phase_rows(sweep.runs.values(), sweep.spec)))


def open_run(main: MainScreen, key: str) -> None:
    """The epochs of a leaderboard row's runs, seed by seed."""
    group = main.shown.group(key)
    if group is None:
        return
    sweep = next(s for s in main.book.sweeps if s.number == group.sweep)
    main.app.push_screen(RunDetailScreen(group, sweep.spec, sweep.device))


def ask_to_clear(main: MainScreen) -> None:
    """Ask, then forget every sweep of the session (the --out file keeps its rows)."""
    book = main.book
    if main.training:
        main.notify("Stop the run first (ctrl+x), then clear.", severity="warning")
        return
    if not book.sweeps:
        main.notify("Nothing to clear yet.")
        return
    sweeps, runs = len(book.sweeps), len(book.records())
    question = (f"Forget {runs} run{'s' if runs != 1 else ''} in {sweeps} "
                f"sweep{'s' if sweeps != 1 else ''}? The curves, leaderboard and layer "
                "statistics go; a results file already written keeps its rows.")

    def clear_if(yes: bool | None) -> None:
        if not yes:
            main.notify("Kept every result.")
            return
        cleared = len(book.sweeps)
        book.clear()
        main.hidden_groups = frozenset()
        main.show_book()
        main.say_ready()
        main.notify(f"Cleared {cleared} sweep{'s' if cleared != 1 else ''}.")

    main.app.push_screen(ConfirmScreen("Clear results", question), clear_if)


def ask_where_to_export(main: MainScreen) -> None:
    """Ask for a file name (beside --out, else here), then write every run of the session."""
    if not main.book.records():
        main.notify("Nothing to export yet: run a sweep or load results.", severity="warning")
        return
    folder = main.out.parent if main.out is not None else Path.cwd()
    main.app.push_screen(ExportScreen(default_export_path(folder)),
                         lambda path: export_to(main, path))


def export_to(main: MainScreen, path: Path | None) -> None:
    """Write the session's book to a new file; an existing one is never overwritten."""
    if path is None:
        return
    try:
        if path.exists():
            raise InittuiError(f"'{shown_path(path)}' already exists; choose another name")
        rows = write_results(main.book, check_writable(path, overwrite=False))
    except InittuiError as error:
        main.notify(error_text(error), title="Export failed", severity="error", markup=False)
        return
    main.notify(f"Wrote {rows} rows to {shown_path(path)}", title="Exported", markup=False)
