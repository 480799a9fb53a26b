"""The asv suite: one module per area (api, database, cache, generation, writes, load, cost)
over small shared modules: ``calls`` (one definition per operation, run by the timed
benchmark and its counted twin), ``common`` (the mixins and the measurement design), ``backend``
(the backend looked up at run time), ``resources`` (servers, data sets, round robins),
``server`` (the API server) and ``pinning`` (where threads run)."""
