"""What a sweep produced: curves, leaderboard, bars, hints, layer diagnostics, status."""
