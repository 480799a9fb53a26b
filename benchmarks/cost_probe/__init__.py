"""Deterministic cost of each timed operation: instructions under Callgrind, server counters.

``python -m benchmarks.cost_probe`` measures; ``benchmarks/cost.py`` runs it once per commit
and reports the figures to asv. Importing this package does nothing (asv imports every
module under ``benchmarks/``).
"""
