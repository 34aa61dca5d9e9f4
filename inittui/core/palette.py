"""The run colours every front end shares: the terminal's lines and the figures' lines.

Plain data, no UI library: the app (`inittui.tui.groups`) and the matplotlib figures
(`inittui.figures`) import it, so a run has the same colour on screen and on paper.
"""

from __future__ import annotations

RGB = tuple[int, int, int]
PALETTE: tuple[RGB, ...] = (
    (86, 180, 233), (230, 159, 0), (0, 190, 140), (220, 130, 180),
    (240, 228, 66), (240, 100, 40), (80, 130, 255), (190, 190, 190),
)
"""Colour-blind friendly (Okabe-Ito based) colours, readable on dark and light themes."""
