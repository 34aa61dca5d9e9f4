"""inittui: compare neural-network weight initializers side by side, in the terminal."""

__version__ = "0.1.0"
