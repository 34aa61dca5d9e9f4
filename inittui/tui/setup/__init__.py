"""The setup panel: initializer picker and hyperparameter form."""
