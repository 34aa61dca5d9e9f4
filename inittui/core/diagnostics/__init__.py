"""What was measured inside the network: per-layer statistics, hooks, Jacobian spectra."""
