"""How runs train: the plan (cells and groups), the engine, the optimizers,
the device, and Ray tasks.
"""
