"""What came out: the results book, grid axes, hints, and the results files."""
