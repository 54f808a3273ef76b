"""The OpenAPI document: property-based API testing with schemathesis, and completeness.

Schemathesis reads ``/openapi.json`` from the server running under uvicorn on loopback
and sends generated requests, valid and invalid ones, to every operation with a real
device's bearer token, so authenticated endpoints are exercised past the 401. Every
answer must be no 5xx and must match the document: a documented status code, response
body schema, content type and headers; valid requests must not be refused as malformed,
invalid ones must be. Valid requests for an upload or a blob name a real one, so the
success answers are checked too.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterator
from typing import Any

import schemathesis
from fastapi.routing import APIRoute
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig

from kiosk_app.protocol.messages import ANSWER_ALWAYS
from tests.server.conftest import LiveApp
from tests.server.helpers import Api, Device, jpeg_bytes
from tests.server.test_server_uploads import OCTETS, create, meta, patch

MAX_EXAMPLES = 20
# Refusals of well-formed requests the document cannot rule out by schema: an upload
# longer than the server's Tus-Max-Size (advertised at run time, as tus does), bytes
# that do not match their Upload-Checksum (460, tus checksum extension) or are not a
# JPEG once complete (415), and the limits on enrollment attempts and on a device's
# unfinished uploads (429, Retry-After).
VALID_BUT_REFUSED = [413, 415, 429, 460]
# tus answers 412 to another Tus-Resumable version; sync answers 426 to an unsupported
# protocol version, telling the technician to update the kiosk app; a request both
# malformed and too large may be refused for its size first (413).
INVALID_REFUSED_WITH = [412, 413, 426]


def _config(token: str) -> SchemathesisConfig:
    checks = SchemathesisConfig.from_dict({}).projects.get_default().checks
    positive = checks.positive_data_acceptance.expected_statuses
    negative = checks.negative_data_rejection.expected_statuses
    return SchemathesisConfig.from_dict(
        {
            "auth": {"openapi": {"DeviceToken": {"bearer": token}}},
            "checks": {
                "positive_data_acceptance": {
                    "expected-statuses": [*positive, *map(str, VALID_BUT_REFUSED)]
                },
                "negative_data_rejection": {
                    "expected-statuses": [*negative, *map(str, INVALID_REFUSED_WITH)]
                },
            },
        }
    )


def _uploaded_blob(api: Api, kiosk: Device) -> str:
    data = jpeg_bytes(400, seed=int.from_bytes(os.urandom(4), "big"))
    sha = hashlib.sha256(data).hexdigest()
    url = create(api, kiosk, sha, len(data))
    assert patch(api, kiosk, url, 0, data).status_code == 204
    return sha


def _real_inputs(api: Api, kiosk: Device, label: str) -> dict[str, Any]:
    """Fixed parts of valid requests that point at things that exist."""
    if label == "POST /v1/uploads/":
        return {"headers": {"Upload-Metadata": meta(hashlib.sha256(os.urandom(8)).hexdigest())}}
    if label.endswith("/v1/uploads/{upload_id}"):
        sha = hashlib.sha256(os.urandom(8)).hexdigest()
        upload_id = create(api, kiosk, sha, 64).rsplit("/", 1)[1]
        return {"path_parameters": {"upload_id": upload_id}}
    if label.endswith("/v1/blobs/{sha256}"):
        return {"path_parameters": {"sha256": _uploaded_blob(api, kiosk)}}
    return {}


def _has_inputs(operation: Any) -> bool:
    definition = operation.definition.raw
    return bool(definition.get("parameters") or definition.get("requestBody"))


def _explore(operation: Any, mode: GenerationMode, fixed: dict[str, Any]) -> str | None:
    """Run generated cases against one operation; the failure found, as text."""

    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode, **fixed))
    def run(case: Any) -> None:
        case.call_and_validate()

    try:
        run()
    except Unsatisfiable:
        if mode is GenerationMode.NEGATIVE and not _has_inputs(operation):
            return None  # nothing to make invalid
        raise
    except (Exception, BaseExceptionGroup) as exc:  # schemathesis raises a FailureGroup
        return f"{operation.label} [{mode.value}]: {exc}"
    return None


def test_generated_requests_get_no_5xx_and_answers_match_the_document(
    live: LiveApp, api: Api
) -> None:
    # Given a server with an enrolled device whose token schemathesis sends
    kiosk = api.enroll()
    schemathesis.serializer.alias(OCTETS, "application/octet-stream")
    schema = schemathesis.openapi.from_url(f"{live.url}/openapi.json", config=_config(kiosk.token))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 11
    # When every operation gets valid and invalid generated requests
    failures = []
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            fixed = _real_inputs(api, kiosk, operation.label) if mode.is_positive else {}
            failure = _explore(operation, mode, fixed)
            if failure:
                failures.append(failure)
    # Then no answer is a server error or strays from the document
    assert not failures, "\n\n".join(failures)


def _routes(app: Any) -> Iterator[tuple[str, str, bool]]:
    """(method, path, in the document?) of every API route the app serves."""
    for route in app.routes:
        contexts = getattr(route, "effective_route_contexts", None)
        if contexts is not None:  # an included router (FastAPI keeps it unflattened)
            for context in contexts():
                for method in context.methods or ():
                    yield method, context.path, bool(context.include_in_schema)
        elif isinstance(route, APIRoute):
            for method in route.methods:
                yield method, route.path, route.include_in_schema


def _fits(url: str, template: str) -> bool:
    return re.fullmatch(re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(template)), url) is not None


def test_every_route_served_is_in_the_document(api: Api) -> None:
    # Given the routes the app serves, and its published document
    document = api.client.get("/openapi.json").json()
    documented = {
        (method.upper(), path) for path, item in document["paths"].items() for method in item
    }
    routes = list(_routes(api.client.app))
    served = {(method, path) for method, path, listed in routes if listed}
    hidden = {path for _method, path, listed in routes if not listed}
    # Then every API route is documented, and only public pages are left out
    assert served == documented
    assert not {p for p in hidden if p.startswith("/v1") or p == "/healthz"}, hidden
    assert {("OPTIONS", "/v1/uploads/"), ("PATCH", "/v1/uploads/{upload_id}"),
            ("HEAD", "/v1/blobs/{sha256}"), ("POST", "/v1/sync"), ("POST", "/v1/enroll"),
            ("GET", "/healthz"), ("POST", "/v1/blobs/missing")} <= documented  # fmt: skip
    assert document["components"]["securitySchemes"]["DeviceToken"]["scheme"] == "bearer"
    # And over HTTP, each documented method is answered and every other one is not (405)
    for path, item in document["paths"].items():
        url = path.replace("{upload_id}", "0" * 8).replace("{sha256}", "0" * 64)
        for method in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"):
            status = api.client.request(method, url).status_code
            if method.lower() in item:
                assert status != 405, (method, path)
            elif not any(  # e.g. GET /v1/blobs/missing is GET /v1/blobs/{sha256}
                _fits(url, other) and method.lower() in ops
                for other, ops in document["paths"].items()
            ):
                assert status == 405, (method, path, status)


def test_every_ref_in_the_document_resolves(api: Api) -> None:
    document = api.client.get("/openapi.json").json()
    refs = set(re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', json.dumps(document)))
    assert {"SyncRequest", "Mutation", "EnrollRequest", "MissingRequest", "ErrorBody"} <= refs
    assert {"SyncAnswer", "Change", "Conflict", "Rejected"} <= refs  # the protocol's types
    assert refs <= set(document["components"]["schemas"])
    answer = document["components"]["schemas"]["SyncAnswer"]
    assert set(answer["required"]) == set(ANSWER_ALWAYS)  # what the server always sends
