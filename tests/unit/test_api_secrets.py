"""The API refuses to serve beyond this machine with a secret published in the source.

The rule lives in ``Settings.refuse_published_secrets`` and runs first in ``python -m
afirgen_fixtures.api serve``: each of the three secrets, left at its default, is refused on
every host that is not loopback, and accepted on loopback.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from afirgen_fixtures.config import ConfigError, Settings, is_loopback

SECRETS = ("AFIRGEN_API_KEY", "AFIRGEN_FIR_AUTH_KEY", "AFIRGEN_CURSOR_SECRET")
LOOPBACK = ("127.0.0.1", "::1", "localhost", "LocalHost", "127.0.0.53")
ELSEWHERE = ("0.0.0.0", "::", "192.168.1.20", "10.1.2.3", "fe80::1", "api.example.org", "")
PUBLISHED = [(), *((name,) for name in SECRETS), SECRETS]


@pytest.fixture
def own_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every secret set to one of this test's own; a test unsets those it leaves published."""
    for name in SECRETS:
        monkeypatch.setenv(name, secrets.token_urlsafe(24))


@pytest.mark.parametrize("published", PUBLISHED, ids=lambda p: "+".join(p) or "none")
@pytest.mark.parametrize("host", LOOPBACK + ELSEWHERE)
def test_published_secrets_are_refused_beyond_loopback(
    own_secrets: None, monkeypatch: pytest.MonkeyPatch, published: tuple[str, ...], host: str
) -> None:
    for name in published:
        monkeypatch.delenv(name)
    settings = Settings()
    assert settings.published_secrets() == list(published)
    if published and host not in LOOPBACK:
        with pytest.raises(ConfigError) as refused:
            settings.refuse_published_secrets(host)
        message = str(refused.value)
        assert "\n" not in message
        assert all(name in message for name in published)
        assert not any(name in message for name in set(SECRETS) - set(published))
    else:
        settings.refuse_published_secrets(host)


@pytest.mark.parametrize(
    ("host", "loopback"), [(h, True) for h in LOOPBACK] + [(h, False) for h in ELSEWHERE]
)
def test_loopback_means_this_machine_only(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_serve_exits_with_one_line_before_starting_anything(tmp_path: Path) -> None:
    """Unreachable URLs and a state dir of its own: were the check missing, nothing could
    start by accident, and the server would still be running at the timeout."""
    env = {name: value for name, value in os.environ.items() if name not in SECRETS}
    env |= {
        "AFIRGEN_STATE_DIR": str(tmp_path),
        "AFIRGEN_MYSQL_URL": "mysql://nobody@127.0.0.1:1/afirgen",
        "AFIRGEN_REDIS_URL": "redis://127.0.0.1:1/0",
    }
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "afirgen_fixtures.api",
            "serve",
            "--host",
            "0.0.0.0",
            "--database",
            "x",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0
    [line] = done.stderr.splitlines()
    assert line.startswith("error: AFIRGEN_API_KEY, AFIRGEN_FIR_AUTH_KEY, AFIRGEN_CURSOR_SECRET ")
    assert "127.0.0.1" in line and done.stdout == ""
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize("name", SECRETS)
def test_a_secret_under_8_characters_is_one_line_naming_its_variable(
    own_secrets: None, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.setenv(name, "1234567")
    with pytest.raises(ConfigError) as refused:
        Settings.from_env()
    assert str(refused.value) == f"{name}: String should have at least 8 characters"
    monkeypatch.setenv(name, "12345678")
    assert getattr(Settings.from_env(), name.removeprefix("AFIRGEN_").lower()) == "12345678"
