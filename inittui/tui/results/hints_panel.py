"""Known causes behind the results (core.hints), shown next to the leaderboard.

Hints belong to a sweep: each is said for the newest sweep only, so the tanh warning of an
earlier sweep does not linger under a later ReLU one, and clearing takes them away.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from inittui.core.results.book import ResultsBook
from inittui.core.results.hints import pitfalls


class HintsPanel(Static):
    """One `⚠` line per pitfall found in the book; hidden when there is none."""

    DEFAULT_CSS = """
    HintsPanel { height: auto; padding: 0 1; color: $text-warning; }
    HintsPanel.-empty { display: none; }
    """

    def show(self, book: ResultsBook) -> None:
        latest = ResultsBook()
        latest.sweeps = book.sweeps[-1:]
        prefix = f"sweep {book.current.number}: " if len(book.sweeps) > 1 else ""
        hints = [prefix + hint for hint in pitfalls(latest)]
        self.set_class(not hints, "-empty")
        self.update(Text("\n".join(f"⚠ {hint}" for hint in hints)))
