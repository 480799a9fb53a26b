"""The HTTP API (FastAPI): routes under ``/api/v1``, assembled by ``create_app``."""

from afirgen_fixtures.api.app import create_app

__all__ = ["create_app"]
