"""Benchmarks (`leadtui bench ...`): figures beside the naive way, never asserts. Nothing uses them."""
