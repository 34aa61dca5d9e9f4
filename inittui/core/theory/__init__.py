"""What theory expects: mean-field maps, phases and depth scales (numpy float64, no torch).

`gaussian` integrates, `activations` gives each activation's Gaussian moments,
`mean_field` the maps, fixed points and depth scales, `weights` each run's σ_w², σ_b²,
`predict` a run's prediction (or why there is none), `readings` the phase table's words.
"""
