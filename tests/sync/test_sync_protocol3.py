"""Protocol 3: rows laid out by column decode back exactly, ids made from content are
left out and derived again, codings round-trip, and kiosks of protocol 2 and 3 converge
on one server (a protocol-2 kiosk drives real requests against the new server)."""

from __future__ import annotations

import gzip
from typing import Any

import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk_app.domain.record_ids import uuid7
from kiosk_app.protocol import columns, compact, encoding
from kiosk_app.protocol.ids import content_id
from kiosk_app.protocol.messages import Change

NODE = "a1b2c3d4e5f6"


def stamp(ms: int, counter: int = 0, node: str = NODE) -> str:
    return f"{ms:013d}-{counter:04x}-{node}"


def without_unset(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Changes as protocol 3 carries them: a null field without a stamp is left out."""
    out = []
    for row in rows:
        if isinstance(row.get("fields"), dict) and isinstance(row.get("hlc"), dict):
            kept = {k: v for k, v in row["fields"].items() if v is not None or k in row["hlc"]}
            row = {**row, "fields": kept}
        out.append(row)
    return out


def test_changes_of_every_shape_decode_back():
    # Given changes as the server builds them: regions without stamps, products whose
    # stock has no stamp, a field never set (null, no stamp), one cleared (null, stamped),
    # one field stamped later than the rest, and a key added by a newer server
    p = uuid7()
    rows = [
        {"seq": 1, "entity": "region", "row_id": "35.07", "fields": {"name": "Malang",
         "level": "regency"}, "hlc": {}},
        {"seq": 7, "entity": "product", "row_id": p, "fields": {"name": "Kopi", "price": 5000,
         "description": None, "weight_g": None, "stock": 12},
         "hlc": {"name": stamp(1_796_305_682_120), "price": stamp(1_796_305_682_120),
                 "weight_g": stamp(1_796_305_682_200, 3, "ffeeddccbbaa")}},
        {"seq": 9, "entity": "merchant", "row_id": uuid7(), "fields": {"address": None},
         "hlc": {"address": stamp(1_796_305_682_300)}, "telemetry": {"note": "x"}},
    ]  # fmt: skip

    # When they are laid out by column and read back
    packed = columns.pack(rows)
    back = columns.unpack(msgspec.json.decode(msgspec.json.encode(packed)))

    # Then they are the same changes, less the never-set field
    assert back == without_unset(rows)
    assert "description" not in back[1]["fields"] and back[1]["fields"]["weight_g"] is None
    assert msgspec.convert(back[:2], list[Change])[1].hlc == rows[1]["hlc"]


def test_one_stamp_per_row_and_no_nulls_are_sent():
    ms = 1_796_305_682_120
    rows = [
        {"seq": n, "entity": "product", "row_id": uuid7(),
         "fields": {"name": f"Teh {n}", "price": 500 * n, "weight_g": None, "stock": n},
         "hlc": {"name": stamp(ms + n), "price": stamp(ms + n)}}
        for n in range(1, 50)
    ]  # fmt: skip
    packed = columns.pack(rows)["c"]
    assert "fields.weight_g" not in packed  # never set: not sent
    assert not any(key.startswith("hlc~") for key in packed)  # one stamp a row
    assert packed["hlc="]["s"][1:] == [1] * 48  # as deltas
    assert packed["seq"] == {"d": [1] + [1] * 48}


def test_mutation_ids_made_from_content_are_left_out_and_derived_again():
    # Given a kiosk's mutations: ids made from their content, and one older random id
    ms = 1_796_305_682_120
    made = []
    for n in range(3):
        m = {"entity": "product", "row_id": uuid7(), "hlc": stamp(ms + n), "op": "upsert",
             "fields": {"name": "Kopi", "address": None}}  # fmt: skip
        made.append({"id": content_id(**m), **m})
    old = {"id": uuid7(), "entity": "product", "row_id": made[0]["row_id"],
           "hlc": stamp(ms + 9), "op": "stock", "fields": {"stock": -2}}  # fmt: skip
    payload = {"protocol": 3, "cursor": 5, "mutations": [*made, old], "blobs": [], "new": 1}

    # When the request is encoded and the server expands it
    raw = compact.encode_request(payload)
    body = msgspec.json.decode(raw)
    back = compact.expand_request(body)

    # Then only the random id travelled, and the server sees the request as sent
    assert body["mutations"]["c"]["id"]["at"] == [3]
    assert back == payload


rows_strategy = st.lists(
    st.dictionaries(
        st.sampled_from(["seq", "entity", "row_id", "extra", "count"]),
        st.one_of(
            st.none(),
            st.integers(-(2**40), 2**40),
            st.text(max_size=8),
            st.builds(uuid7),
            st.builds(stamp, st.integers(0, 10**13 - 1), st.integers(0, 0xFFFF)),
            st.lists(st.text(max_size=3), max_size=3),
            st.booleans(),
        ),
    ),
    max_size=30,
)


@settings(max_examples=300, deadline=None)
@given(rows_strategy)
def test_any_rows_decode_back_exactly(rows):
    packed = msgspec.json.decode(msgspec.json.encode(columns.pack(rows)))
    assert columns.unpack(packed) == rows


def test_answers_stream_through_every_coding_in_pieces():
    head = {"protocol": 3, "accepted_count": 0, "rejected": [], "conflicts": [],
            "missing_blobs": [], "future_key": [1, 2]}  # fmt: skip
    changes = [
        {"seq": n, "entity": "product", "row_id": uuid7(), "fields": {"name": f"Kopi {n}"},
         "hlc": {"name": stamp(1_796_305_682_120 + n)}}
        for n in range(1, 700)
    ]  # fmt: skip
    for coding in (*encoding.SUPPORTED, encoding.IDENTITY):
        packer = encoding.StreamCompressor(coding)
        stream = [packer.piece(p) for p in compact.answer_lines(head, changes, {"cursor": 699,
                  "more": False})] + [packer.end()]  # fmt: skip
        reader = encoding.StreamDecompressor(coding)
        batches = ([line for line in reader.feed(piece).split(b"\n") if line] for piece in stream)
        parts = list(compact.answer_parts(batches, chunk=100, least=64))
        assert [c.seq for p in parts for c in p.changes] == list(range(1, 700)), coding
        assert all(len(p.changes) <= 100 for p in parts)
        assert [p.more for p in parts][-1] is False and parts[-1].cursor == 699
        assert all(p.cursor == p.changes[-1].seq for p in parts[:-1])


def test_protocol_2_and_3_kiosks_converge_on_the_new_server(make_kiosk):
    # Given a kiosk that speaks protocol 2 (JSON, gzip) and one that speaks 3
    old, new = make_kiosk("old"), make_kiosk("new")
    old.engine_for().client.protocol = 2
    assert old.sync().ok and new.sync().ok
    m = old.store.create(
        "merchant",
        {
            "business_name": "Toko Lama",
            "owner_name": "Bu Sri",
            "phone": "081234567890",
            "village_code": "35.07.01.2001",
        },
    )
    for n in range(30):
        old.store.create("product", {"merchant_id": m, "name": f"Keripik {n}", "price": 1000,
                                     "stock": n, "status": "published"})  # fmt: skip
    new.store.create(
        "merchant",
        {
            "business_name": "Toko Baru",
            "owner_name": "Pak Adi",
            "phone": "081298765432",
            "village_code": "35.07.01.2002",
        },
    )

    # When both sync, twice
    for kiosk in (old, new, old, new):
        result = kiosk.sync()
        assert result.ok, result.error

    # Then both hold the same data, and the old kiosk spoke protocol 2 all along
    assert old.export() == new.export()
    assert len(new.export()["product"]) == 30
    assert old.engine_for().client.protocol == 2
    assert new.engine_for().client.protocol == 3


class _OldServer:
    """A server of before protocol 3 in front of the real one: it reads gzip only (415
    otherwise) and protocol 2 at most (426), as the previous release answered."""

    def __init__(self, target: str) -> None:
        import http.server
        import threading

        import requests

        outer = self
        self.refused: list[int] = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                coding = self.headers.get("Content-Encoding", "identity")
                if coding not in ("gzip", "identity"):
                    return self._answer(415, {"code": "bad_encoding", "message": "gzip only"})
                raw = gzip.decompress(body) if coding == "gzip" else body
                if msgspec.json.decode(raw).get("protocol", 0) > 2:
                    message = "Server only speaks protocol 2; update the server."
                    return self._answer(426, {"code": "protocol_too_old", "message": message})
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                answer = requests.post(target + self.path, data=body, headers=headers,
                                       stream=True)  # fmt: skip
                content = answer.raw.read(decode_content=False)
                self.send_response(answer.status_code)
                for name in ("Content-Type", "Content-Encoding"):
                    if name in answer.headers:
                        self.send_header(name, answer.headers[name])
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)
                return None

            def _answer(self, status: int, detail: dict[str, str]) -> None:
                outer.refused.append(status)
                data = msgspec.json.encode({"detail": detail})
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                answer = requests.get(target + self.path, headers={
                    k: v for k, v in self.headers.items() if k.lower() != "host"})  # fmt: skip
                self.send_response(answer.status_code)
                self.send_header("Content-Length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def test_a_kiosk_falls_back_to_protocol_2_and_gzip_with_an_older_server(make_kiosk, server):
    # Given a kiosk with data, and a server of the previous release
    kiosk = make_kiosk("k")
    assert kiosk.sync().ok
    kiosk.store.create(
        "merchant",
        {
            "business_name": "Toko Lama",
            "owner_name": "Bu Sri",
            "phone": "081234567890",
            "village_code": "35.07.01.2001",
        },
    )
    old = _OldServer(server.url)
    try:
        # When it syncs with it
        result = kiosk.sync(old.url)

        # Then it was refused zstd, then protocol 3, and went on in protocol 2 and gzip
        assert result.ok, result.error
        assert old.refused == [415, 426]
        client = kiosk.engine_for(old.url).client
        assert (client.protocol, client.request_coding) == (2, encoding.GZIP)
        assert server.export()["merchant"][0]["business_name"] == "Toko Lama"
        # And the next sync goes straight to protocol 2
        assert kiosk.sync(old.url).ok and old.refused == [415, 426]
    finally:
        old.close()
