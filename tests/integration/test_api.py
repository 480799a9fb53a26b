"""The HTTP API over real HTTP: a uvicorn process against the private MariaDB and Redis."""

from __future__ import annotations

import gzip
import json
import os
import secrets
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import httpx
import pytest
from conftest import writable_copy

from afirgen_fixtures.config import MySQLTarget
from afirgen_fixtures.data import Dataset
from afirgen_fixtures.db import connection
from afirgen_fixtures.generation.normalize import complaint_key
from afirgen_fixtures.services import ServiceURLs
from afirgen_fixtures.services.api_server import ApiServer
from afirgen_fixtures.services.runtime import MYSQL_URL_ENV, REDIS_URL_ENV

# Generated per run, as any server should have: the published defaults are for loopback only.
API_KEY = secrets.token_urlsafe(24)
AUTH_KEY = secrets.token_urlsafe(24)
COMPLAINT = (
    "On 12 March 2025 at around 9:30 pm two men on a motorcycle snatched my gold chain near "
    "Karol Bagh metro station. My neighbour Ramesh Kumar saw them and shouted for help."
)


@pytest.fixture(scope="module")
def api_database(dataset_10k: Dataset) -> Iterator[MySQLTarget]:
    """A writable copy of the 10k data set, so the API's writes change nothing shared."""
    with writable_copy(dataset_10k) as target:
        yield target


def server_env(service_urls: ServiceURLs) -> dict[str, str]:
    """The environment of a test's API server: the private servers, this run's secrets."""
    return {
        MYSQL_URL_ENV: service_urls.mysql_url,
        REDIS_URL_ENV: service_urls.redis_url,
        "AFIRGEN_API_KEY": API_KEY,
        "AFIRGEN_FIR_AUTH_KEY": AUTH_KEY,
        "AFIRGEN_CURSOR_SECRET": secrets.token_urlsafe(32),
        "AFIRGEN_CACHE_NAMESPACE": f"api-{uuid.uuid4().hex[:8]}",
        # a deprecation anywhere in the server (Pydantic's included) fails its request
        "PYTHONWARNINGS": "error::DeprecationWarning",
    }


@contextmanager
def serving_copy(dataset: Dataset, service_urls: ServiceURLs) -> Iterator[ApiServer]:
    """An API server of its own over a writable copy of ``dataset``, stopped afterwards."""
    with (
        writable_copy(dataset) as target,
        ApiServer(
            database=target.database, env=server_env(service_urls), owner_pid=os.getpid()
        ) as running,
    ):
        yield running


@pytest.fixture(scope="module")
def server(
    api_database: MySQLTarget, service_urls: ServiceURLs, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ApiServer]:
    log = tmp_path_factory.mktemp("api") / "server.log"
    with ApiServer(
        database=api_database.database,
        env=server_env(service_urls),
        log=log,
        owner_pid=os.getpid(),
    ) as running:
        yield running


@pytest.fixture
def client(server: ApiServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url + "/api/v1", headers={"X-API-Key": API_KEY}) as c:
        yield c


@pytest.fixture
def anonymous(server: ApiServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url) as c:
        yield c


def _some_fir_number(client: httpx.Client) -> str:
    return client.get("/firs", params={"limit": 1, "fields": "fir_number"}).json()["items"][0][
        "fir_number"
    ]


def _count_rows(target: MySQLTarget, sql: str, params: tuple) -> int:
    with connection.connect(target) as conn, conn.cursor() as cur:
        cur.execute(sql, params)
        return int(cur.fetchone()[0])


# -- public and protected routes -------------------------------------------------------------


def test_health_is_public_and_reports_both_servers(anonymous: httpx.Client) -> None:
    response = anonymous.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json() | {"version": None} == {
        "status": "ok",
        "database": "ok",
        "cache": "ok",
        "version": None,
    }


def test_docs_and_openapi_are_public(anonymous: httpx.Client) -> None:
    assert anonymous.get("/docs").status_code == 200
    schema = anonymous.get("/openapi.json").json()
    assert "/api/v1/fir/{fir_number}" in schema["paths"]


@pytest.mark.parametrize("headers", [{}, {"X-API-Key": "wrong-key-123"}])
def test_protected_routes_answer_401_without_the_key(
    anonymous: httpx.Client, headers: dict[str, str]
) -> None:
    for path in ("/api/v1/firs", "/api/v1/stats", "/api/v1/metrics"):
        response = anonymous.get(path, headers=headers)
        assert response.status_code == 401, path
        assert response.headers["www-authenticate"] == "APIKey"
        [error] = response.json()["detail"]
        assert error["loc"] == ["header", "X-API-Key"] and "X-API-Key" in error["msg"]


def test_correlation_id_is_echoed_or_created(client: httpx.Client) -> None:
    given = client.get("/health", headers={"X-Correlation-ID": "trace-42"})
    assert given.headers["x-correlation-id"] == "trace-42"
    made = client.get("/health")
    assert len(made.headers["x-correlation-id"]) == 32
    unsafe = client.get("/health", headers={"X-Correlation-ID": "bad id\twith spaces"})
    assert unsafe.headers["x-correlation-id"] != "bad id\twith spaces"


# -- FIR reads, ETags, gzip ----------------------------------------------------------------------


def test_fir_read_has_strong_etag_and_304_on_match(client: httpx.Client) -> None:
    number = _some_fir_number(client)
    first = client.get(f"/fir/{number}")
    assert first.status_code == 200
    etag = first.headers["etag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert "max-age" in first.headers["cache-control"]
    again = client.get(f"/fir/{number}", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    other = client.get(f"/fir/{number}", headers={"If-None-Match": '"not-this-one"'})
    assert other.status_code == 200


def test_gzip_applies_at_and_above_1kb_only(client: httpx.Client) -> None:
    number = _some_fir_number(client)
    headers = {"Accept-Encoding": "gzip"}
    with client.stream("GET", f"/fir/{number}/content", headers=headers) as big:
        raw = b"".join(big.iter_raw())
        assert big.headers["content-encoding"] == "gzip"
        body = gzip.decompress(raw)
        assert len(body) >= 1024
        assert big.headers["etag"].endswith('-gzip"')
    with client.stream("GET", f"/fir/{number}", headers=headers) as small:
        raw = b"".join(small.iter_raw())
        assert "content-encoding" not in small.headers
        assert len(raw) < 1024
    # the gzip variant's tag revalidates too
    tag = client.get(f"/fir/{number}/content", headers=headers).headers["etag"]
    assert client.get(f"/fir/{number}/content", headers={"If-None-Match": tag}).status_code == 304


def test_a_304_repeats_the_etag_and_vary_of_the_200_for_the_same_request(
    client: httpx.Client,
) -> None:
    """RFC 9110, 15.4.5: the 304 carries the ETag and Vary the 200 would, encoding included."""
    path = f"/fir/{_some_fir_number(client)}/content"
    gzip_200 = client.get(path, headers={"Accept-Encoding": "gzip"})
    plain_200 = client.get(path, headers={"Accept-Encoding": "identity"})
    assert gzip_200.headers["content-encoding"] == "gzip"
    assert "content-encoding" not in plain_200.headers
    gzip_tag, plain_tag = gzip_200.headers["etag"], plain_200.headers["etag"]
    assert gzip_tag == plain_tag[:-1] + '-gzip"'
    for answer in (gzip_200, plain_200):  # the body is over 1 KB: gzip would apply, so Vary
        assert answer.headers["vary"] == "Accept-Encoding"
    for encoding, ok in (("gzip", gzip_200), ("identity", plain_200)):
        # the tag this encoding's 200 sent, the other encoding's, weak, in a list: all match
        for held in (gzip_tag, plain_tag, f"W/{ok.headers['etag']}", f'"nope", {gzip_tag}'):
            again = client.get(path, headers={"Accept-Encoding": encoding, "If-None-Match": held})
            assert again.status_code == 304, (encoding, held)
            assert again.content == b""
            assert again.headers["etag"] == ok.headers["etag"], (encoding, held)
            assert again.headers["vary"] == "Accept-Encoding"
            assert again.headers["cache-control"] == ok.headers["cache-control"]
            assert not {"content-type", "content-encoding"} & set(again.headers)
        stale = client.get(path, headers={"Accept-Encoding": encoding, "If-None-Match": '"nope"'})
        assert (stale.status_code, stale.headers["etag"]) == (200, ok.headers["etag"])


def test_a_304_of_a_small_fir_read_has_the_plain_etag_and_no_vary(client: httpx.Client) -> None:
    path = f"/fir/{_some_fir_number(client)}"
    ok = client.get(path, headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in ok.headers and "vary" not in ok.headers
    again = client.get(
        path, headers={"Accept-Encoding": "gzip", "If-None-Match": ok.headers["etag"]}
    )
    assert again.status_code == 304
    assert again.headers["etag"] == ok.headers["etag"] and not ok.headers["etag"].endswith('-gzip"')
    assert "vary" not in again.headers


def test_unknown_fir_is_404_and_bad_number_is_422(client: httpx.Client) -> None:
    assert client.get("/fir/FIR-00000000-20990101000000").status_code == 404
    bad = client.get("/fir/FIR_123")
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["path", "fir_number"]


def test_list_walks_with_cursor_and_filters_fields(client: httpx.Client) -> None:
    first = client.get("/firs", params={"limit": 5, "fields": "fir_number,status"}).json()
    assert len(first["items"]) == 5
    assert set(first["items"][0]) == {"fir_number", "status"}
    second = client.get("/firs", params={"limit": 5, "cursor": first["next_cursor"]}).json()
    seen = {i["fir_number"] for i in first["items"]}
    assert seen.isdisjoint(i["fir_number"] for i in second["items"])
    back = client.get("/firs", params={"limit": 5, "cursor": second["prev_cursor"]}).json()
    assert [i["fir_number"] for i in back["items"]] == [i["fir_number"] for i in first["items"]]


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"limit": 101}, 422),
        ({"limit": 0}, 422),
        ({"fields": "fir_number,password"}, 422),
        ({"fields": "fir_number, status"}, 422),
        ({"fields": ""}, 422),
        ({"status": "lost"}, 422),
        # well-formed but not signed by this server: names no page
        ({"cursor": "bm90LWEtY3Vyc29y.AAAA"}, 404),
        ({"cursor": "' OR 1=1 --"}, 422),
    ],
)
def test_list_refuses_bad_parameters(client: httpx.Client, params: dict, status: int) -> None:
    response = client.get("/firs", params=params)
    assert response.status_code == status
    [error] = response.json()["detail"]
    assert error["loc"][:2] == ["query", next(iter(params))] and error["msg"]


def test_a_cursor_works_only_with_its_own_filter(client: httpx.Client) -> None:
    page = client.get("/firs", params={"limit": 2, "status": "pending"}).json()
    other = client.get("/firs", params={"cursor": page["next_cursor"], "status": "finalized"})
    assert other.status_code == 404
    assert "filter" in other.json()["detail"][0]["msg"]


def test_search_finds_complaints_by_fulltext(client: httpx.Client) -> None:
    hits = client.get("/firs/search", params={"q": "snatched chain"}).json()["hits"]
    assert hits and all(h["score"] > 0 for h in hits)
    for q in ("+snatched -laptop", '+(chain phone) -"gold ring" snatch*', "e-mail ~otp"):
        boolean = client.get("/firs/search", params={"q": q, "mode": "boolean"})
        assert boolean.status_code == 200, (q, boolean.text)


@pytest.mark.parametrize("q", ["snatched +", "+++---", "@@@ ***", "((nested))", '"phrase"*'])
def test_search_refuses_what_the_grammar_does_not_allow_in_either_mode(
    client: httpx.Client, q: str
) -> None:
    for mode in ("natural", "boolean"):
        response = client.get("/firs/search", params={"q": q, "mode": mode})
        assert response.status_code == 422, (q, mode)
        assert response.json()["detail"][0]["loc"] == ["query", "q"]


def test_stats_and_metrics(client: httpx.Client) -> None:
    stats = client.get("/stats").json()
    assert sum(s["count"] for s in stats["by_status"]) >= 10_000
    assert len(stats["daily"]) == 30
    client.get(f"/fir/{_some_fir_number(client)}")
    text = client.get("/metrics").text
    assert 'route="/api/v1/fir/{fir_number}"' in text
    assert "afirgen_cache_operations_total" in text
    assert 'afirgen_db_pool_connections{state="checked_out"}' in text


# -- validation ----------------------------------------------------------------------------------


def _session(client: httpx.Client) -> str:
    return client.post("/process", json={"text": COMPLAINT}).json()["session_id"]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/process", {"text": "too short"}, "text"),
        ("/process", {"text": "x" * 50_001}, "text"),
        # nothing left once normalised, which would store an empty complaint
        ("/process", {"text": "\x00" * 12, "interactive": False}, "text"),
        ("/process", {"text": " \u3000\t\n" * 5, "interactive": False}, "text"),
        # fewer than 50,000 characters, but more than the TEXT column's 65,535 bytes
        ("/process", {"text": "\u0905" * 30_000, "interactive": False}, "text"),
        ("/process", {"text": "\ufdfa" * 2_000, "interactive": False}, "text"),
        ("/process", {"text": COMPLAINT, "interactive": 0}, "interactive"),
        ("/process", {"text": COMPLAINT, "colour": "red"}, "colour"),
        ("/validate", {"session_id": "NOT-A-UUID", "approved": True}, "session_id"),
        ("/validate", {"session_id": str(uuid.uuid4()).upper(), "approved": True}, "session_id"),
        ("/validate", {"session_id": str(uuid.uuid4()), "approved": "perhaps"}, "approved"),
        ("/validate", {"session_id": str(uuid.uuid4()), "approved": "true"}, "approved"),
        (
            "/validate",
            {"session_id": str(uuid.uuid4()), "approved": False, "user_input": "y" * 10_001},
            "user_input",
        ),
        ("/authenticate", {"fir_number": "FIR_123", "auth_key": AUTH_KEY}, "fir_number"),
        (
            "/authenticate",
            {"fir_number": "FIR-0000000a-20250101000000", "auth_key": "short"},
            "auth_key",
        ),
        (f"/regenerate/{uuid.uuid4()}", {"step": "lunch"}, "step"),
    ],
)
def test_constrained_fields_answer_422_naming_the_field(
    client: httpx.Client, path: str, body: dict, field: str
) -> None:
    response = client.post(path, json=body)
    assert response.status_code == 422
    errors = response.json()["detail"]
    assert any(e["loc"][-1] == field and e["msg"] for e in errors), errors


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"{not json", "application/json"),
        (b"[1, 2, 3]", "application/json"),
        (b"null", "application/json"),
        (b"text=hello", "application/x-www-form-urlencoded"),
        (b"\xff\xfe\x00garbage", "application/octet-stream"),
    ],
)
def test_malformed_bodies_are_4xx_not_500(
    client: httpx.Client, content: bytes, content_type: str
) -> None:
    response = client.post("/process", content=content, headers={"Content-Type": content_type})
    assert 400 <= response.status_code < 500


def test_oversized_body_is_413_declared_or_streamed(client: httpx.Client) -> None:
    too_big = b"x" * (1024 * 1024 + 1)
    declared = client.post(
        "/process", content=too_big, headers={"Content-Type": "application/json"}
    )

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as the route reads it
        yield from (too_big[i : i + 65_536] for i in range(0, len(too_big), 65_536))

    streamed = client.post(
        "/process", content=chunks(), headers={"Content-Type": "application/json"}
    )
    for response in (declared, streamed):
        assert response.status_code == 413
        [error] = response.json()["detail"]
        assert error["loc"] == ["body"] and "limit" in error["msg"]


@pytest.mark.parametrize(
    ("text", "status"),
    [
        # stored as the complaint alone: control characters are dropped by the normaliser
        (COMPLAINT + "\x7f" * (50_000 - len(COMPLAINT)), 200),
        # 200,000 bytes once normalised: too long for its column, said as such (not 413)
        ("\U0001f512" * 50_000, 422),
    ],
)
def test_no_body_the_schema_allows_is_refused_for_its_size(
    client: httpx.Client, text: str, status: int
) -> None:
    """50,000 characters, each sent as a JSON escape (6 or 12 bytes): 300 to 600 kB."""
    body = json.dumps({"text": text, "interactive": False})  # ensure_ascii: all escaped
    assert len(body) > 256 * 1024
    response = client.post("/process", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == status, response.text[:300]


def test_unknown_session_is_404(client: httpx.Client) -> None:
    assert client.get(f"/session/{uuid.uuid4()}/status").status_code == 404
    response = client.post("/validate", json={"session_id": str(uuid.uuid4()), "approved": True})
    assert response.status_code == 404


# -- the whole flow ------------------------------------------------------------------------------


def test_complaint_to_finalized_fir_stored_once(
    client: httpx.Client, api_database: MySQLTarget
) -> None:
    session_id = _session(client)
    steps = []
    for _ in range(5):
        response = client.post("/validate", json={"session_id": session_id, "approved": True})
        assert response.status_code == 200, response.text
        steps.append(response.json())
    assert [s["current_step"] for s in steps] == [
        "summary_review",
        "violations_review",
        "fir_narrative_review",
        "final_review",
        "completed",
    ]
    assert steps[1]["content"]["violations"]
    fir_number = steps[3]["content"]["fir_number"]
    assert fir_number in steps[3]["content"]["fir_content"]
    assert steps[4]["completed"] is True

    status = client.get(f"/session/{session_id}/status").json()
    assert status["status"] == "completed" and not status["awaiting_validation"]
    assert client.get(f"/fir/{fir_number}").json()["status"] == "pending"

    wrong = client.post("/authenticate", json={"fir_number": fir_number, "auth_key": "not-the-key"})
    assert wrong.status_code == 401
    done = client.post("/authenticate", json={"fir_number": fir_number, "auth_key": AUTH_KEY})
    assert done.status_code == 200 and done.json()["success"] is True
    assert client.get(f"/fir/{fir_number}").json()["status"] == "finalized"
    assert (
        client.post(
            "/authenticate", json={"fir_number": fir_number, "auth_key": AUTH_KEY}
        ).status_code
        == 409
    )
    late = client.post("/validate", json={"session_id": session_id, "approved": True})
    assert late.status_code == 409

    stored = _count_rows(
        api_database, "SELECT COUNT(*) FROM fir_records WHERE session_id = %s", (session_id,)
    )
    assert stored == 1


def test_rejection_with_input_regenerates_the_step(client: httpx.Client) -> None:
    session_id = _session(client)
    summary = client.post("/validate", json={"session_id": session_id, "approved": True}).json()
    assert summary["current_step"] == "summary_review"
    redo = client.post(
        "/validate",
        json={
            "session_id": session_id,
            "approved": False,
            "user_input": "They also threatened to kill me.",
        },
    ).json()
    assert redo["current_step"] == "summary_review"
    assert redo["content"]["summary"] != summary["content"]["summary"]
    again = client.post(
        f"/regenerate/{session_id}",
        json={"step": "summary_review", "user_input": "It was a red motorcycle."},
    )
    assert again.status_code == 200 and "red motorcycle" in again.json()["content"]["summary"]
    wrong_step = client.post(f"/regenerate/{session_id}", json={"step": "final_review"})
    assert wrong_step.status_code == 409


def test_cached_generation_returns_the_same_fir(client: httpx.Client) -> None:
    complaint = f"{COMPLAINT} Reference {uuid.uuid4().hex}."
    first = client.post("/process", json={"text": complaint, "interactive": False}).json()
    second = client.post(
        "/process", json={"text": "  " + complaint.upper() + " ", "interactive": False}
    )
    assert first["cached"] is False
    second = second.json()
    # same complaint again, differently spaced: served from the cache, a new FIR number
    third = client.post("/process", json={"text": complaint + "  ", "interactive": False}).json()
    assert third["cached"] is True
    assert third["fir_number"] != first["fir_number"]

    def body(fir: dict) -> str:
        return fir["fir_content"].split("7. Summary:", 1)[1]

    assert body(third) == body(first)
    assert second["session_id"] != first["session_id"]


def test_a_generated_fir_and_its_completed_session_are_stored_together(
    client: httpx.Client, api_database: MySQLTarget
) -> None:
    """The completed session names its FIR and the draft's cache key; the FIR row holds
    the draft (the session does not repeat it)."""
    text = f"{COMPLAINT} Ref {uuid.uuid4().hex}."
    made = client.post("/process", json={"text": text, "interactive": False}).json()
    with connection.connect(api_database) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT s.state, s.status, f.id, f.fir_number, f.complaint_text, f.created_at, "
            "s.created_at FROM sessions AS s JOIN fir_records AS f ON f.session_id = s.id "
            "WHERE s.id = %s",
            (made["session_id"],),
        )
        rows = cur.fetchall()
    assert len(rows) == 1
    state, status, fir_id, fir_number, complaint, fir_created, session_created = rows[0]
    assert (status, fir_number) == ("completed", made["fir_number"])
    assert json.loads(state) == {
        "fir_number": fir_number,
        "fir_id": fir_id,
        "draft_key": complaint_key(complaint),
    }
    assert fir_created == session_created  # stamped with its FIR's registration time
    assert client.get(f"/session/{made['session_id']}/status").json()["status"] == "completed"


def test_no_database_error_leaks_as_500(client: httpx.Client) -> None:
    for q in ("'; DROP TABLE fir_records; --", '"unbalanced', "+++---", "@@@ ***"):
        for mode in ("natural", "boolean"):
            response = client.get("/firs/search", params={"q": q, "mode": mode})
            assert response.status_code in (200, 422), (q, mode, response.text)


def test_concurrent_approvals_store_one_fir(
    client: httpx.Client, api_database: MySQLTarget
) -> None:
    """Approvals racing at the narrative step store one FIR; losers get 409 (a late one may
    legitimately approve the next step)."""
    session_id = _session(client)
    for _ in range(3):
        client.post("/validate", json={"session_id": session_id, "approved": True})
    body = {"session_id": session_id, "approved": True}
    with ThreadPoolExecutor(max_workers=4) as pool:
        codes = sorted(
            r.status_code for r in pool.map(lambda _: client.post("/validate", json=body), range(4))
        )
    assert 200 in codes and set(codes) <= {200, 409}, codes
    stored = _count_rows(
        api_database, "SELECT COUNT(*) FROM fir_records WHERE session_id = %s", (session_id,)
    )
    assert stored == 1
    step = client.get(f"/session/{session_id}/status").json()["current_step"]
    assert step in {"final_review", "completed"}


@pytest.mark.parametrize(
    "path",
    [
        "/fir/FIR-00000000-20250101000000' OR '1'='1",
        "/fir/1;DROP TABLE fir_records",
        "/session/00000000-0000-0000-0000-000000000000' OR 1=1 --/status",
        "/fir/%27%20UNION%20SELECT%20password%20FROM%20mysql.user--/content",
    ],
)
def test_sql_injection_in_ids_is_a_clear_4xx(client: httpx.Client, path: str) -> None:
    response = client.get(path)
    assert 400 <= response.status_code < 500, (path, response.status_code)
    assert response.json()["detail"]
