"""The browser front end: textual-serve behind an origin and token check."""
