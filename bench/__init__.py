"""Benchmarks and the synthetic-account generator they use (not shipped with the package)."""
