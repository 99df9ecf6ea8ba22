"""Benchmarks and the data generator they use (see bench/README.md)."""
