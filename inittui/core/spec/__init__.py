"""What to run: the experiment spec, its field parsers, the presets."""
