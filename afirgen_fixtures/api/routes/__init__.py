"""Route modules: ``firs`` (reads), ``sessions`` (the FIR flow), ``system`` (health, metrics)."""
