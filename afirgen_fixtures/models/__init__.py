"""Pydantic v2 models: stored records (``records``) and HTTP request/response bodies (``api``)."""
