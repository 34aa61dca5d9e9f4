"""The Textual front end: `create_app` in app.py is the way in (CLI and tests)."""
