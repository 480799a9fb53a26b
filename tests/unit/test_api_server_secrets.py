"""Every API server the project starts runs with secrets of its own, never the published
defaults (the launcher is checked without starting a server)."""

from __future__ import annotations

import pytest

from afirgen_fixtures.config import Settings
from afirgen_fixtures.services.api_server import GENERATED_SECRETS, ApiServer


def test_secrets_the_caller_does_not_choose_are_generated(monkeypatch) -> None:
    for name in GENERATED_SECRETS:
        monkeypatch.delenv(name, raising=False)
    first = ApiServer(database="d", env={}).env
    second = ApiServer(database="d", env={}).env
    defaults = Settings()
    published = {defaults.api_key, defaults.fir_auth_key, defaults.cursor_secret}
    for name in GENERATED_SECRETS:
        assert first[name] not in published and len(first[name]) >= 32
        assert first[name] != second[name]


@pytest.mark.parametrize("name", GENERATED_SECRETS)
def test_a_secret_the_caller_chose_is_kept(monkeypatch, name: str) -> None:
    monkeypatch.delenv(name, raising=False)
    assert ApiServer(database="d", env={name: "chosen-by-the-caller"}).env[name] == (
        "chosen-by-the-caller"
    )
