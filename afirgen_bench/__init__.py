"""The benchmark harness: drives asv and the measurements, and judges their results.

Never imported by the backend (``afirgen_fixtures``); it only imports the backend to measure it.
"""
