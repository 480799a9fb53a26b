"""The asv suite: one module per area (api, database, cache, generation) and ``common``."""
