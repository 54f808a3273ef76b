"""Benchmark: checking a 4,000-mutation sync request, and reading a 4,000-change answer.

Runs against the code in ``--code`` (default: this tree), so one script measures the
code before and after the protocol became typed (issue 15):

- ``request``: the server's check of a decoded request body (protocol version, the
  document's types and bounds), then each mutation's values (``parse_mutation``).
  Before: a pydantic wire model with the mutations left plain and a hand-written shape
  loop; after: ``kiosk_app.protocol.messages.decode_request`` (msgspec).
- ``answer``: the kiosk reading the answer's lines into parts (``answer_parts``), from
  the bytes the server's ``answer_lines`` writes.

Usage: DIR/.venv/bin/python bench/bench_protocol.py [--code DIR] [--mutations N]
       [--repeat R] [--out FILE]
Run it with the interpreter of DIR's own virtualenv: an editable install resolves the
packages it does not find on the path from its own tree.
Prints the median of R runs of each, in milliseconds, and writes them as JSON.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _uuid7ish(n: int) -> str:
    return str(uuid.UUID(int=(0x0190_0000_0000_7000_8000_0000_0000_0000 | n)))


def _payload(count: int) -> dict[str, Any]:
    merchant = _uuid7ish(0)
    mutations = [
        {"id": _uuid7ish(2 * n + 1), "entity": "product", "row_id": _uuid7ish(2 * n + 2),
         "hlc": f"{1764300000000 + n}-0000-a1b2c3d4e5f6", "op": "upsert",
         "fields": {"merchant_id": merchant, "name": f"Keripik Tempe {n}", "price": 12000 + n,
                    "unit": "bungkus", "category": "makanan", "status": "published",
                    "description": "Keripik tempe renyah buatan ibu-ibu desa."}}
        for n in range(count)
    ]  # fmt: skip
    return {"protocol": 2, "cursor": 0, "limit": 5000, "node": "a1b2c3d4e5f6",
            "mutations": mutations, "blobs": []}  # fmt: skip


def _changes(count: int) -> list[dict[str, Any]]:
    stamp = "1764300000000-0000-0f0e0d0c0b0a"
    return [
        {"seq": n + 1, "entity": "product", "row_id": _uuid7ish(n),
         "fields": {"merchant_id": _uuid7ish(0), "name": f"Keripik {n}", "price": 12000,
                    "status": "published", "deleted": 0, "stock": 7},
         "hlc": {"merchant_id": stamp, "name": stamp, "price": stamp, "status": stamp,
                 "deleted": stamp}}
        for n in range(count)
    ]  # fmt: skip


def _request_checks() -> tuple[str, Callable[[dict[str, Any]], Any], Callable[[Any], Any]]:
    """(which, check the document, check every mutation's values) of the code found."""
    try:
        from kiosk_app.protocol.messages import decode_request, parse_mutation
    except ImportError:
        from kiosk_app.sync.protocol import check_protocol_version
        from kiosk_app.sync.protocol import parse_mutation as parse_plain
        from kiosk_server.api.sync import _shape_error, _SyncRequestWire

        def document(payload: dict[str, Any]) -> Any:
            check_protocol_version(payload.get("protocol"))
            body = _SyncRequestWire.model_validate(payload)
            assert _shape_error(body.mutations) is None
            return body

        return "hand checks (pydantic wire model, shape loop)", document, parse_plain
    return "typed (msgspec)", decode_request, parse_mutation


def _answer_codec() -> tuple[Callable[..., Iterator[bytes]], Callable[..., Iterator[Any]]]:
    try:
        from kiosk_app.protocol.lines import answer_lines, answer_parts
    except ImportError:
        from kiosk_app.sync.client import _answer_parts as answer_parts
        from kiosk_server.api.sync import answer_lines
    return answer_lines, answer_parts


def _median_ms(fn: Callable[[], Any], repeat: int) -> float:
    fn()  # warm up (imports, caches)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return round(statistics.median(times) * 1000, 3)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--code", default=str(ROOT), help="the tree whose code to measure")
    parser.add_argument("--mutations", type=int, default=4000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "protocol.json"))
    args = parser.parse_args()
    sys.path.insert(0, str(Path(args.code).resolve()))
    import kiosk_app

    which, document, values = _request_checks()
    payload = _payload(args.mutations)

    def request() -> None:
        body = document(payload)
        for m in body.mutations:
            values(m)

    answer_lines, answer_parts = _answer_codec()
    head = {"protocol": 2, "accepted_count": 0, "rejected": [], "conflicts": [],
            "missing_blobs": [], "latest_app_version": None}  # fmt: skip
    raw = b"".join(answer_lines(head, _changes(args.mutations), {"cursor": 9, "more": False}))
    lines = raw.split(b"\n")[:-1]

    def answer() -> None:
        parts = list(answer_parts(iter([lines]), 500))
        assert sum(len(p.changes if hasattr(p, "changes") else p["changes"]) for p in parts) == (
            args.mutations
        )

    report = {
        "code": str(Path(kiosk_app.__file__).resolve().parents[1]),
        "request_checks": which,
        "mutations": args.mutations,
        "repeat": args.repeat,
        "python": platform.python_version(),
        "request_document_ms": _median_ms(lambda: document(payload), args.repeat),
        "request_with_values_ms": _median_ms(request, args.repeat),
        "answer_parts_ms": _median_ms(answer, args.repeat),
        "answer_bytes": len(raw),
    }
    print(json.dumps(report, indent=2))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
