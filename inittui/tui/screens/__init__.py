"""Screens pushed over the main one: help, a run's epochs, export."""
