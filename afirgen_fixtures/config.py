"""Settings of the backend, read once from the environment (prefix ``AFIRGEN_``)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from functools import cached_property
from typing import Annotated
from urllib.parse import unquote, urlsplit

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict


class ConfigError(ValueError):
    """A setting is present but unusable; the message says which and how to fix it."""


@dataclass(frozen=True)
class MySQLTarget:
    """Where and how to reach MariaDB/MySQL, parsed from a ``mysql://`` URL."""

    host: str
    port: int
    user: str
    password: str
    database: str
    unix_socket: str | None = None

    @classmethod
    def from_url(cls, url: str) -> MySQLTarget:
        parts = urlsplit(url)
        if parts.scheme not in {"mysql", "mariadb", "mysql+pymysql"}:
            raise ConfigError(
                f"AFIRGEN_MYSQL_URL must look like mysql://user:password@host:port/database, "
                f"got scheme {parts.scheme!r}"
            )
        query = dict(p.split("=", 1) for p in parts.query.split("&") if "=" in p)
        try:
            port = parts.port or 3306
        except ValueError as exc:
            raise ConfigError(f"AFIRGEN_MYSQL_URL has a bad port: {exc}") from exc
        return cls(
            host=parts.hostname or "127.0.0.1",
            port=port,
            user=unquote(parts.username or "root"),
            password=unquote(parts.password or ""),
            database=parts.path.lstrip("/") or "afirgen",
            unix_socket=query.get("unix_socket"),
        )

    def with_database(self, database: str) -> MySQLTarget:
        return MySQLTarget(
            self.host, self.port, self.user, self.password, database, self.unix_socket
        )

    def connect_kwargs(self) -> dict[str, object]:
        """Explicit pymysql options: no TLS (17 ms per connect otherwise), utf8mb4, autocommit."""
        kwargs: dict[str, object] = {
            "host": self.host,
            "port": self.port,
            "user": self.user,
            "password": self.password,
            "database": self.database,
            "charset": "utf8mb4",
            "autocommit": True,
            "ssl_disabled": True,
            "connect_timeout": 5,
            "read_timeout": 60,
            "write_timeout": 60,
        }
        if self.unix_socket:
            kwargs["unix_socket"] = self.unix_socket
        return kwargs

    def url(self) -> str:
        suffix = f"?unix_socket={self.unix_socket}" if self.unix_socket else ""
        return (
            f"mysql://{self.user}:{self.password}@{self.host}:{self.port}/{self.database}{suffix}"
        )


PositiveSeconds = Annotated[float, Field(gt=0)]
Secret = Annotated[str, Field(min_length=8)]
_SECRETS = ("api_key", "fir_auth_key", "cursor_secret")


def is_loopback(host: str) -> bool:
    """``localhost`` or a loopback address (127.0.0.0/8, ::1): reachable from this machine only."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Settings(BaseSettings):
    """Everything tunable about the backend; one object, built where the app is assembled."""

    model_config = SettingsConfigDict(env_prefix="AFIRGEN_", extra="ignore")

    mysql_url: str = "mysql://root@127.0.0.1:3306/afirgen"
    redis_url: str = "redis://127.0.0.1:6379/0"

    pool_size: Annotated[int, Field(ge=1, le=200)] = 10
    pool_max_overflow: Annotated[int, Field(ge=0, le=200)] = 5
    pool_timeout_s: PositiveSeconds = 5.0
    pool_recycle_s: PositiveSeconds = 3600.0
    pool_pre_ping: bool = True
    pool_ping_idle_s: Annotated[float, Field(ge=0)] = 1.0

    redis_socket_timeout_s: PositiveSeconds = 0.25
    redis_retry_after_s: PositiveSeconds = 1.0
    cache_namespace: str = "afirgen"
    cache_version: Annotated[int, Field(ge=1)] = 1

    # Published defaults, for a server on this machine only (see refuse_published_secrets).
    cursor_secret: Secret = "afirgen-cursor-secret"
    api_key: Secret = "afirgen-dev-api-key"
    fir_auth_key: Secret = "afirgen-officer-key"
    police_station: str = "Connaught Place Police Station, New Delhi"
    model_url: str | None = None
    # The largest body the API's schema allows, a 50,000-character complaint with every
    # character written as a JSON escape pair (12 bytes), is about 600 kB: 1 MiB refuses
    # none of them.
    max_body_bytes: Annotated[int, Field(ge=1024)] = 1024 * 1024

    @classmethod
    def from_env(cls) -> Settings:
        """The settings of this process's environment; a value out of bounds is one
        ``ConfigError`` line per variable, named as it is set (``AFIRGEN_API_KEY``)."""
        try:
            return cls()
        except ValidationError as exc:
            prefix = cls.model_config.get("env_prefix", "")
            problems = [
                f"{prefix}{'_'.join(map(str, error['loc'])).upper()}: {error['msg']}"
                for error in exc.errors()
            ]
            raise ConfigError("; ".join(problems)) from None

    @cached_property
    def mysql(self) -> MySQLTarget:
        return MySQLTarget.from_url(self.mysql_url)

    def published_secrets(self) -> list[str]:
        """The secrets still at the default published in this file and the README."""
        return [
            f"AFIRGEN_{name.upper()}"
            for name in _SECRETS
            if getattr(self, name) == type(self).model_fields[name].default
        ]

    def refuse_published_secrets(self, host: str) -> None:
        """Raise ``ConfigError`` when a server bound to ``host`` would be reachable from other
        machines with a secret anyone can read here (a default key opens every route)."""
        published = self.published_secrets()
        if published and not is_loopback(host):
            raise ConfigError(
                f"{', '.join(published)} still at the published default: set "
                f"{'it' if len(published) == 1 else 'each'} to a secret of your own "
                "(python -c 'import secrets; print(secrets.token_urlsafe(32))'), "
                f"or serve on 127.0.0.1, ::1 or localhost only (not --host {host})"
            )
