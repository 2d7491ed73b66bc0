"""Reverie core: the Qt-free memory domain (types, encrypted store, retrieval, agents)."""
