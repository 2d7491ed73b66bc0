"""Reverie: a private, local-first memory for your own computer."""

__version__ = "0.1.0"
