"""AFIRGen, the FIR-generation backend under benchmark.

Layers, with dependencies pointing one way: ``api`` -> ``generation`` / ``cache`` / ``db`` ->
``config``. ``data`` builds the deterministic data sets and ``services`` starts the private
MariaDB and Redis they live in.
"""

__version__ = "0.1.0"
