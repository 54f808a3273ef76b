"""Photo uploads report their progress through a plain callback, thumbnails first: bytes
handed to the network, and bytes the server confirmed."""

from __future__ import annotations

import io

from PIL import Image

from kiosk_app.media.pipeline import process_photo
from kiosk_app.store import photos
from kiosk_app.sync.device import load_device
from kiosk_app.sync.engine import SyncEngine
from tests.support import VILLAGE


def noisy_jpeg(seed: int) -> bytes:
    """A photo that does not compress to nothing, so uploads take several reads."""
    image = Image.effect_noise((1400, 1000), 80 + seed).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=92)
    return buffer.getvalue()


def test_upload_progress_goes_from_zero_to_the_full_length_per_blob(make_kiosk):
    kiosk = make_kiosk()
    store = kiosk.store
    assert kiosk.sync().ok  # the regions of its scope arrive
    m = store.create("merchant", {"business_name": "Kopi Bu Sri", "owner_name": "Sri",
                                  "phone": "0812-3456-7890", "village_code": VILLAGE})  # fmt: skip
    p = store.create("product", {"merchant_id": m, "name": "Kopi Robusta", "price": 15000})
    for seed in (1, 2):
        photos.add_photo(store, p, process_photo(noisy_jpeg(seed)), kiosk.blobs)
    events: list[tuple[str, str, int, int, int]] = []
    device = load_device(store)
    assert device is not None
    engine = SyncEngine(
        lambda fn, *a: fn(store, *a),
        device.client(),
        kiosk.blobs,
        on_upload=lambda *event: events.append(event),
    )

    result = engine.sync_once()

    assert result.ok, result.error
    assert result.uploaded == 4
    shas = list(dict.fromkeys(e[0] for e in events))
    assert len(shas) == 4
    kinds = [next(e[1] for e in events if e[0] == sha) for sha in shas]
    assert kinds == ["thumb", "thumb", "full", "full"]
    for sha in shas:
        mine = [e for e in events if e[0] == sha]
        length = kiosk.blobs.size(sha)
        assert mine[0][2:] == (0, 0, length)
        assert mine[-1][2:] == (length, length, length)
        assert all(e[4] == length and e[2] >= e[3] for e in mine)
        for key in (2, 3):  # sent and confirmed only grow
            values = [e[key] for e in mine]
            assert values == sorted(values)
    # A full image is bigger than one read (64 KiB): bytes leave before the server confirms.
    full = [e for e in events if e[0] == shas[2]]
    assert any(e[2] > 0 and e[3] == 0 for e in full)
    engine.client.close()
