"""Who and what the public catalog shows: published products of consenting, active
merchants; nothing deleted; nothing personal beyond business name, village, WhatsApp."""

from __future__ import annotations

import re
from urllib.parse import quote, unquote

import pytest

from tests.support import VILLAGE

OWNER = "Sri Wahyuni Rahayu"
PRIVATE = {
    "owner_name": OWNER,
    "address": "Jl. Mawar Rahasia No. 77",
    "nib": "1234567890123",
    "npwp": "0123456789012345",
    "email": "sri.rahasia@example.com",
}


def pages_of(page, merchant_id, product_id):
    """Every page a buyer could reach the merchant or product from."""
    return [
        page("/"),
        page("/wilayah/35"),
        page("/wilayah/35.07"),
        page(f"/wilayah/{VILLAGE}"),
        page("/cari", q="kopi"),
        page(f"/m/{merchant_id}"),
        page(f"/p/{product_id}"),
        page("/kategori/Minuman"),
    ]


def test_published_product_of_a_consenting_merchant_is_everywhere(api, seller, page):
    m = seller.merchant(business_name="Kopi Bu Sri")
    p = seller.product(m, name="Kopi Robusta Dampit", price=35000, category="Minuman")

    home, province, regency, village, search, merchant, product, category = pages_of(page, m, p)

    assert "Jawa Timur" in home and 'href="/wilayah/35"' in home
    assert 'href="/kategori/Minuman"' in home
    assert 'href="/wilayah/35.07"' in province
    assert f'href="/wilayah/{VILLAGE}"' in regency and "Ternyang" in regency
    assert f'href="/m/{m}"' in village and "Kopi Bu Sri" in village
    for html in (search, merchant, category):
        assert f'href="/p/{p}"' in html
        assert "Kopi Robusta Dampit" in html and "Rp35.000" in html
    assert "Kopi Robusta Dampit" in product and "Rp35.000" in product
    assert "Ternyang" in merchant and "Kabupaten Malang" in merchant


def test_the_whatsapp_link_names_the_product_and_its_price(api, seller, page):
    m = seller.merchant(business_name="Kopi Bu Sri", phone="+6281234567890")
    p = seller.product(m, name="Gula Aren Cair", price=15000)

    html = page(f"/p/{p}")

    [link] = re.findall(r'href="(https://wa\.me/[^"]+)"', html)
    link = link.replace("&amp;", "&")
    assert link.startswith("https://wa.me/6281234567890?text=")
    text = unquote(link.split("?text=", 1)[1])
    assert text == (
        f"Halo Kopi Bu Sri, saya mau pesan Gula Aren Cair seharga Rp15.000. "
        f"Saya lihat di Etalase Desa: http://testserver/p/{p}"
    )


def test_the_public_base_url_setting_is_used_in_messages(api, seller, page):
    api.settings.public_base_url = "https://katalog.example.id/"
    m = seller.merchant()
    p = seller.product(m)

    html = page(f"/m/{m}")

    assert quote(f"https://katalog.example.id/p/{p}", safe="") in html


def test_a_draft_product_is_nowhere(api, seller, page):
    m = seller.merchant()
    shown = seller.product(m, name="Kopi Robusta", category="Minuman")
    draft = seller.product(m, name="Kopi Luwak Rahasia", status="draft", category="Minuman")
    draft_full, draft_thumb = seller.photo(draft, seed="draft")

    html = "".join(pages_of(page, m, shown))

    assert "Kopi Luwak Rahasia" not in html and draft not in html
    assert api.client.get(f"/p/{draft}").status_code == 404
    assert "Kopi Luwak Rahasia" not in page("/cari", q="luwak")
    for sha in (draft_full, draft_thumb):
        assert api.client.get(f"/foto/{sha}").status_code == 404


def test_a_product_unpublished_later_disappears(api, seller, page):
    m = seller.merchant()
    p = seller.product(m, name="Teh Tubruk")
    assert "Teh Tubruk" in page(f"/m/{m}")

    seller.push("product", p, status="draft")

    assert "Teh Tubruk" not in page(f"/m/{m}")
    assert api.client.get(f"/p/{p}").status_code == 404


@pytest.mark.parametrize(
    "merchant_over",
    [
        {"consent": False},
        {"status": "inactive"},
    ],
    ids=["without-consent", "inactive"],
)
def test_a_merchant_not_published_shows_nothing(api, seller, page, merchant_over):
    merchant_over = dict(merchant_over)  # the parameter is shared by every backend's run
    consent = merchant_over.pop("consent", True)
    m = seller.merchant(consent=consent, business_name="Warung Tersembunyi", **merchant_over)
    p = seller.product(m, name="Keripik Tersembunyi")
    full, thumb = seller.photo(p)

    assert api.client.get(f"/m/{m}").status_code == 404
    assert api.client.get(f"/p/{p}").status_code == 404
    for sha in (full, thumb):
        assert api.client.get(f"/foto/{sha}").status_code == 404
    listed = page("/") + page(f"/wilayah/{VILLAGE}") + page("/cari", q="tersembunyi")
    assert "Tersembunyi" not in listed
    assert "Belum ada penjual" in page(f"/wilayah/{VILLAGE}")


def test_deleted_records_never_appear(api, seller, page):
    m = seller.merchant(business_name="Kopi Bu Sri")
    kept = seller.product(m, name="Kopi Robusta")
    gone = seller.product(m, name="Kopi Basi")
    kept_full, _ = seller.photo(kept, seed="kept")
    old_full, old_thumb = seller.photo(kept, seed="old", position=1)
    photo_id = api.pull_all(seller.device)[-1]["row_id"]

    seller.delete("product", gone)
    seller.delete("photo", photo_id)

    assert "Kopi Basi" not in page(f"/m/{m}") + page("/cari", q="kopi")
    assert api.client.get(f"/p/{gone}").status_code == 404
    assert api.client.get(f"/foto/{kept_full}").status_code == 200
    assert api.client.get(f"/foto/{old_full}").status_code == 404
    assert old_thumb not in page(f"/p/{kept}")

    seller.delete("merchant", m)

    assert api.client.get(f"/m/{m}").status_code == 404
    assert api.client.get(f"/p/{kept}").status_code == 404
    assert api.client.get(f"/foto/{kept_full}").status_code == 404
    assert "Kopi Bu Sri" not in page("/") + page(f"/wilayah/{VILLAGE}")


def test_nothing_personal_reaches_any_page(api, seller, page):
    m = seller.merchant(business_name="Kopi Bu Sri", phone="+6281234567890", **PRIVATE)
    p = seller.product(m, name="Kopi Robusta", category="Minuman")
    seller.photo(p)

    html = "".join(pages_of(page, m, p))

    for value in (*PRIVATE.values(), "Sri Wahyuni", "Operator Uji", "persetujuan-v1"):
        assert value not in html
    # The number appears only inside the WhatsApp links the merchant agreed to.
    assert "0812" not in html and "+62" not in html
    assert all(m.startswith("https://wa.me/") for m in _urls_with(html, "6281234567890"))


def _urls_with(html, digits):
    return [u for u in re.findall(r'href="([^"]+)"', html) if digits in u]


def test_a_photo_used_by_a_public_and_a_hidden_product_is_served(api, seller):
    m = seller.merchant()
    shown = seller.product(m)
    hidden = seller.product(m, status="draft")
    _full, thumb = seller.photo(shown, seed="same")
    seller.photo(hidden, seed="same")

    response = api.client.get(f"/foto/{thumb}")

    assert response.status_code == 200
    assert response.content == b"same-kecil"
    assert response.headers["content-type"] == "image/jpeg"


def test_unknown_pages_answer_404_in_bahasa(api):
    for path in ("/m/tidak-ada", "/p/" + "x" * 500, "/foto/" + "0" * 64, "/wilayah/99",
                 "/wilayah/abc", "/kategori/Tidak Ada"):  # fmt: skip
        response = api.client.get(path)
        assert response.status_code == 404, path
        assert "Halaman tidak ditemukan" in response.text


def test_a_shared_link_previews_with_a_public_photo_only(api, seller, page):
    m = seller.merchant(business_name="Kopi Bu Sri")
    draft = seller.product(m, name="Kopi Draf", status="draft")
    seller.photo(draft, seed="draft")
    shown = seller.product(m, name="Kopi Robusta", price=35000)
    _full, thumb = seller.photo(shown, seed="shown")

    merchant, product = page(f"/m/{m}"), page(f"/p/{shown}")

    assert '<meta property="og:title" content="Kopi Bu Sri">' in merchant
    assert "Produk desa dari Ternyang" in merchant
    assert f'<meta property="og:url" content="http://testserver/m/{m}">' in merchant
    image = f'<meta property="og:image" content="http://testserver/foto/{thumb}">'
    assert image in merchant and image in product
    assert '<meta property="og:title" content="Kopi Robusta Rp35.000">' in product
