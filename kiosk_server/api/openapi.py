"""The OpenAPI document: request bodies the routes read themselves, and one error shape.

Sync, enroll and missing-blobs read their JSON bodies with ``read_json`` (gzip-aware,
size-capped), so FastAPI does not see their models; ``json_body`` documents them (and
``json_answer`` the sync answer, streamed in lines), pydantic models or the protocol's
msgspec types alike, and ``install`` puts them (with the types they nest) under
``components/schemas`` so every ``$ref`` in the document resolves. Invalid requests
answer with ``ErrorBody`` (see ``app.py``), so the 422 entries FastAPI adds are pointed
at it too.
"""

from __future__ import annotations

from typing import Any

import msgspec
from fastapi import FastAPI
from pydantic import BaseModel

REF = "#/components/schemas/{model}"
_BODIES: dict[str, type[BaseModel]] = {}
_STRUCTS: dict[str, type[msgspec.Struct]] = {}
_REQUIRED: dict[str, tuple[str, ...]] = {}


def _ref(model: type[BaseModel] | type[msgspec.Struct]) -> dict[str, Any]:
    if issubclass(model, msgspec.Struct):
        _STRUCTS[model.__name__] = model
    else:
        _BODIES[model.__name__] = model
    return {"$ref": REF.format(model=model.__name__)}


def json_answer(
    model: type[msgspec.Struct], always: tuple[str, ...] = (), also: dict[str, str] | None = None
) -> dict[str, Any]:
    """``openapi_extra`` for a route answering ``model`` as JSON (200); ``always``: the
    fields the route always sends, though ``model`` has defaults for them; ``also``:
    other media types it may answer in (media type -> description)."""
    _REQUIRED[model.__name__] = always
    content: dict[str, Any] = {"application/json": {"schema": _ref(model)}}
    for media_type, description in (also or {}).items():
        content[media_type] = {"schema": {"type": "string", "description": description}}
    return {"responses": {"200": {"description": "Successful Response", "content": content}}}


def json_body(model: type[BaseModel] | type[msgspec.Struct]) -> dict[str, Any]:
    """``openapi_extra`` for a route that reads ``model`` as its JSON body (gzip allowed)."""
    _ref(model)
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": REF.format(model=model.__name__)}}},
        }
    }


def _error_422(document: dict[str, Any]) -> None:
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            answer = operation.get("responses", {}).get("422")
            if answer is not None:
                answer["description"] = "Invalid request"
                answer["content"] = {
                    "application/json": {"schema": {"$ref": REF.format(model="ErrorBody")}}
                }
    schemas = document.get("components", {}).get("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)


def install(app: FastAPI) -> None:
    """Make ``app.openapi()`` complete the document FastAPI builds."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        document = FastAPI.openapi(app)
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        for name, model in _BODIES.items():
            schema = model.model_json_schema(ref_template=REF)
            schemas.update(schema.pop("$defs", {}))
            schemas[name] = schema
        _, components = msgspec.json.schema_components(
            list(_STRUCTS.values()), ref_template=REF.replace("{model}", "{name}")
        )
        for name, always in _REQUIRED.items():
            if always:
                components[name]["required"] = sorted(
                    {*components[name].get("required", ()), *always}
                )
        schemas.update(components)
        _error_422(document)
        return document

    app.openapi = openapi  # type: ignore[method-assign]
