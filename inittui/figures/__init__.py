"""Figures for papers: matplotlib (Agg) drawings of the files inittui writes.

Importing this package, `kinds`, `data` or `command` loads no matplotlib; the drawing
modules (`style`, `draw_*`) do, and are imported only when a figure is drawn. Figures
read files (or a sweep's book) and never train.
"""
