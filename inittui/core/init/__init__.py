"""How a run starts: the initializer registry (torch-free), the draws, roles,
applying them to stacked runs (LSUV included), and μP.
"""
