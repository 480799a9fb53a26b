"""The OpenAPI document as a generated client relies on it.

A client generated from ``/openapi.json`` knows, for each operation, the statuses it may get
and the schema of each body; it parses nothing else. These tests hold the server to that:
the document is complete (every response has a schema, every error is ``ErrorResponse``),
and the answers to a set of bad requests, one or more per error status, carry a documented
status, a body valid against the documented schema, and the documented required headers.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import jsonschema
import pytest
from test_api import API_KEY, AUTH_KEY, COMPLAINT, serving_copy

from afirgen_fixtures.api import create_app
from afirgen_fixtures.config import Settings
from afirgen_fixtures.data import Dataset
from afirgen_fixtures.services import ServiceURLs
from afirgen_fixtures.services.api_server import ApiServer

ERROR_REF = "#/components/schemas/ErrorResponse"


@pytest.fixture(scope="module")
def server(dataset_10k: Dataset, service_urls: ServiceURLs) -> Iterator[ApiServer]:
    with serving_copy(dataset_10k, service_urls) as running:
        yield running


@pytest.fixture(scope="module")
def document(server: ApiServer) -> dict[str, Any]:
    return httpx.get(server.base_url + "/openapi.json").raise_for_status().json()


@pytest.fixture
def client(server: ApiServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, headers={"X-API-Key": API_KEY}) as c:
        yield c


def _operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            yield path, method.upper(), operation


def _template_of(document: dict[str, Any], path: str) -> str:
    """The documented path template a concrete path falls under, as a client's router would."""
    for template in document["paths"]:
        if re.fullmatch(re.sub(r"\{[^/]+\}", "[^/]+", template), path):
            return template
    raise AssertionError(f"{path} is not in the document")


def assert_documented(document: dict[str, Any], response: httpx.Response) -> None:
    """The answer is one the document promises for this operation: status, body, headers."""
    request = response.request
    template = _template_of(document, request.url.path)
    operation = document["paths"][template][request.method.lower()]
    status = str(response.status_code)
    assert status in operation["responses"], (
        f"{request.method} {template} answered undocumented {status}: {response.text[:300]}"
    )
    documented = operation["responses"][status]
    for name, header in documented.get("headers", {}).items():
        if header.get("required"):
            assert name.lower() in response.headers, f"{status} of {template} lacks {name}"
    content = documented.get("content")
    if content is None:
        assert response.content == b"", f"{status} of {template} has an undocumented body"
        return
    media_type = response.headers["content-type"].split(";")[0]
    assert media_type in content, f"{status} of {template}: {media_type} is not documented"
    if media_type == "application/json":
        schema = {**content[media_type]["schema"], "components": document["components"]}
        jsonschema.Draft202012Validator(schema).validate(response.json())


# -- the document --------------------------------------------------------------------------------


def test_every_response_of_every_operation_has_a_schema(document: dict[str, Any]) -> None:
    for path, method, operation in _operations(document):
        for status, response in operation["responses"].items():
            assert response.get("description"), (method, path, status)
            if status == "304":
                assert "content" not in response, (method, path)
                continue
            [(media_type, content)] = response["content"].items()
            assert content.get("schema"), (method, path, status, media_type)
            if status.startswith(("4", "5")) and path != "/api/v1/health":
                assert content["schema"] == {"$ref": ERROR_REF}, (method, path, status)


def test_every_operation_documents_the_errors_it_can_answer(document: dict[str, Any]) -> None:
    for path, method, operation in _operations(document):
        statuses = set(operation["responses"])
        assert "413" in statuses, (method, path)  # the body-size limit covers every route
        if operation.get("security"):
            assert "401" in statuses, (method, path)
        if operation.get("parameters") or operation.get("requestBody"):
            assert "422" in statuses, (method, path)
        if "requestBody" in operation:
            assert "400" in statuses, (method, path)  # a body that is not UTF-8 JSON
    assert "HTTPValidationError" not in document["components"]["schemas"]


def test_search_and_fields_are_constrained_as_the_server_constrains_them(
    document: dict[str, Any],
) -> None:
    parameters = {p["name"]: p for p in document["paths"]["/api/v1/firs"]["get"]["parameters"]}
    [fields] = [s for s in parameters["fields"]["schema"]["anyOf"] if s.get("type") == "string"]
    assert re.search(fields["pattern"], "fir_number,status")
    assert not re.search(fields["pattern"], "fir_number,password")
    [q] = [
        p for p in document["paths"]["/api/v1/firs/search"]["get"]["parameters"] if p["name"] == "q"
    ]
    assert re.search(q["schema"]["pattern"], "+(chain phone) -laptop")
    assert not re.search(q["schema"]["pattern"], "chain +")


def test_the_operations_that_answer_304_document_if_none_match(document: dict[str, Any]) -> None:
    """A generated client can send If-None-Match wherever a 304 may come of it, and only there."""
    conditional = {(m, p) for p, m, op in _operations(document) if "304" in op["responses"]}
    declaring = set()
    for path, method, operation in _operations(document):
        for parameter in operation.get("parameters", []):
            if parameter["name"] == "If-None-Match":
                assert parameter["in"] == "header" and not parameter["required"], parameter
                declaring.add((method, path))
    fir_reads = {("GET", "/api/v1/fir/{fir_number}"), ("GET", "/api/v1/fir/{fir_number}/content")}
    assert conditional == declaring == fir_reads


# -- the answers ---------------------------------------------------------------------------------


def _fresh_session(client: httpx.Client) -> str:
    return client.post("/api/v1/process", json={"text": COMPLAINT}).json()["session_id"]


def _stored_fir(client: httpx.Client) -> str:
    response = client.post("/api/v1/process", json={"text": COMPLAINT, "interactive": False})
    return response.json()["fir_number"]


BAD_REQUESTS: list[tuple[str, int, dict[str, Any]]] = [
    # (path, expected status, httpx request arguments; method from "method", default GET)
    ("/api/v1/firs", 401, {"headers": {"X-API-Key": "not-the-key"}}),
    ("/api/v1/metrics", 401, {"headers": {"X-API-Key": ""}}),
    ("/api/v1/fir/FIR-00000000-20990101000000", 404, {}),
    ("/api/v1/fir/FIR-00000000-20990101000000/content", 404, {}),
    (f"/api/v1/session/{uuid.uuid4()}/status", 404, {}),
    ("/api/v1/firs", 404, {"params": {"cursor": "bm90LWEtY3Vyc29y.AAAA"}}),
    (
        "/api/v1/validate",
        404,
        {"method": "POST", "json": {"session_id": str(uuid.uuid4()), "approved": True}},
    ),
    (
        "/api/v1/authenticate",
        404,
        {
            "method": "POST",
            "json": {"fir_number": "FIR-00000000-20990101000000", "auth_key": AUTH_KEY},
        },
    ),
    ("/api/v1/firs", 422, {"params": {"limit": 0}}),
    ("/api/v1/firs", 422, {"params": {"fields": "fir_number,password"}}),
    ("/api/v1/firs/search", 422, {"params": {"q": "chain +", "mode": "boolean"}}),
    ("/api/v1/fir/FIR_123", 422, {}),
    ("/api/v1/process", 422, {"method": "POST", "json": {"text": "too short"}}),
    ("/api/v1/process", 422, {"method": "POST", "json": {"text": COMPLAINT, "colour": "red"}}),
    (
        "/api/v1/process",
        422,
        {
            "method": "POST",
            "content": b"{not json",
            "headers": {"Content-Type": "application/json"},
        },
    ),
    (
        "/api/v1/process",
        400,
        {
            "method": "POST",
            "content": b'{"text": "\xff"}',
            "headers": {"Content-Type": "application/json"},
        },
    ),
    (
        "/api/v1/process",
        413,
        {
            "method": "POST",
            "content": b"x" * (1024 * 1024 + 1),
            "headers": {"Content-Type": "application/json"},
        },
    ),
    ("/api/v1/health", 413, {"content": b"x" * (1024 * 1024 + 1)}),
]


@pytest.mark.parametrize(
    ("path", "status", "arguments"), BAD_REQUESTS, ids=[f"{s}-{p}" for p, s, _ in BAD_REQUESTS]
)
def test_bad_requests_get_their_documented_status_and_body(
    client: httpx.Client,
    document: dict[str, Any],
    path: str,
    status: int,
    arguments: dict[str, Any],
) -> None:
    arguments = dict(arguments)
    response = client.request(arguments.pop("method", "GET"), path, **arguments)
    assert response.status_code == status, response.text[:300]
    assert_documented(document, response)


def test_conflicts_and_the_officer_key_are_documented_answers(
    client: httpx.Client, document: dict[str, Any]
) -> None:
    session_id = _fresh_session(client)
    wrong_step = client.post(f"/api/v1/regenerate/{session_id}", json={"step": "final_review"})
    fir_number = _stored_fir(client)
    wrong_key = client.post(
        "/api/v1/authenticate", json={"fir_number": fir_number, "auth_key": "not-the-officer"}
    )
    finalize = {"fir_number": fir_number, "auth_key": AUTH_KEY}
    done = client.post("/api/v1/authenticate", json=finalize)
    again = client.post("/api/v1/authenticate", json=finalize)
    statuses = [r.status_code for r in (wrong_step, wrong_key, done, again)]
    assert statuses == [409, 401, 200, 409]
    for response in (wrong_step, wrong_key, done, again):
        assert_documented(document, response)


def test_successful_answers_match_their_documented_schemas(
    client: httpx.Client, document: dict[str, Any]
) -> None:
    page = client.get("/api/v1/firs", params={"limit": 3, "fields": "status,fir_number"})
    number = page.json()["items"][0]["fir_number"]
    fir = client.get(f"/api/v1/fir/{number}")
    content = client.get(f"/api/v1/fir/{number}/content", headers={"Accept-Encoding": "gzip"})
    answers = [
        page,
        client.get("/api/v1/firs", params={"limit": 3, "cursor": page.json()["next_cursor"]}),
        client.get("/api/v1/firs/search", params={"q": "+snatched -laptop", "mode": "boolean"}),
        client.get("/api/v1/stats"),
        fir,
        client.get(f"/api/v1/fir/{number}", headers={"If-None-Match": fir.headers["etag"]}),
        content,
        client.get(
            f"/api/v1/fir/{number}/content",
            headers={"Accept-Encoding": "gzip", "If-None-Match": content.headers["etag"]},
        ),
        client.get(f"/api/v1/session/{_fresh_session(client)}/status"),
        client.get("/api/v1/health"),
        client.get("/api/v1/metrics"),
    ]
    assert [r.status_code for r in answers] == [200] * 5 + [304, 200, 304] + [200] * 3
    for response in answers:
        assert_documented(document, response)


def test_errors_outside_any_operation_have_the_same_shape(
    client: httpx.Client, document: dict[str, Any]
) -> None:
    error = {"$ref": ERROR_REF, "components": document["components"]}
    unknown = client.get("/api/v1/nothing-here")
    wrong_method = client.delete("/api/v1/firs")
    assert (unknown.status_code, wrong_method.status_code) == (404, 405)
    assert wrong_method.headers["allow"] == "GET"
    for response in (unknown, wrong_method):
        jsonschema.Draft202012Validator(error).validate(response.json())


def test_an_unreachable_database_is_a_documented_503(
    service_urls: ServiceURLs, document: dict[str, Any]
) -> None:
    """Port 1 of loopback refuses connections: the real driver fails the real way. The app
    runs in this process (an ApiServer would wait for a healthy database forever)."""
    settings = Settings(
        mysql_url="mysql://nobody@127.0.0.1:1/afirgen",
        redis_url=service_urls.redis_url,
        api_key=API_KEY,
    )
    app = create_app(settings)

    async def ask() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=transport, base_url="http://api", headers={"X-API-Key": API_KEY}
            ) as api,
        ):
            return [await api.get(p) for p in ("/api/v1/firs", "/api/v1/stats", "/api/v1/health")]

    for answer in asyncio.run(ask()):
        assert answer.status_code == 503, answer.text
        assert answer.headers["retry-after"].isdigit()
        assert_documented(document, answer)
