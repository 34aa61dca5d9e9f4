"""The scripting front end: sweeps, grids, studies, the Ray cluster."""
