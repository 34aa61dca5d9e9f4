"""The UI-free core: specs, initializers, data, models, engine, diagnostics, results.

Nothing in this package may import textual, rich or plotext; both front ends build on it.
"""
