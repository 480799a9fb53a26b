"""The judging core: results -> statistics -> verdicts -> reports.

Pure by design: nothing here runs git, asv or any other process, so every verdict can be
tested from data alone. The workflows around it (``afirgen_bench.cli``, ``runner``,
``calibrate``, ``proof``, ``history``) fetch the inputs and hand them in.
"""
