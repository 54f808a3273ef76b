"""schema.org JSON-LD for the catalog's pages: a ``Product`` with its ``Offer`` on a
product page, a ``LocalBusiness`` on a merchant page (what search engines read to show
price, availability and the seller)."""

from __future__ import annotations

import json
from typing import Any

from markupsafe import Markup

AVAILABILITY = {True: "https://schema.org/InStock", False: "https://schema.org/OutOfStock"}


def json_ld(data: dict[str, Any]) -> Markup:
    """``data`` as JSON safe inside a ``<script>`` element: ``<``, ``>`` and ``&`` are
    escaped, so a product named ``</script>`` stays text."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


def product_ld(product: dict[str, Any], photos: list[dict[str, Any]], base: str) -> Markup:
    url = f"{base}/p/{product['id']}"
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Product",
        "@id": url,
        "name": product["name"],
        "url": url,
        "sku": product["id"],
        "brand": {"@type": "Brand", "name": product["business_name"]},
    }
    if product.get("description"):
        data["description"] = product["description"]
    if photos:
        data["image"] = [f"{base}/foto/{p['sha256']}" for p in photos]
    if product.get("category"):
        data["category"] = product["category"]
    if isinstance(product.get("price"), int) and product["price"] >= 0:
        data["offers"] = {
            "@type": "Offer",
            "url": url,
            "price": product["price"],
            "priceCurrency": "IDR",
            "availability": AVAILABILITY[int(product.get("stock") or 0) > 0],
            "itemCondition": "https://schema.org/NewCondition",
            "seller": {
                "@type": "LocalBusiness",
                "name": product["business_name"],
                "url": f"{base}/m/{product['merchant_id']}",
            },
        }
    return json_ld(data)


def merchant_ld(
    merchant: dict[str, Any], places: list[dict[str, str]], cover: str | None, base: str
) -> Markup:
    """A merchant as a ``LocalBusiness``: name, page, and the village and province (never
    the street address, nor the phone number, which shows only inside WhatsApp links)."""
    url = f"{base}/m/{merchant['id']}"
    names = [p["name"] for p in places]
    address: dict[str, str] = {"@type": "PostalAddress", "addressCountry": "ID"}
    if names:
        address["addressLocality"] = names[-1]
        address["addressRegion"] = names[0]
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "LocalBusiness",
        "@id": url,
        "name": merchant["business_name"],
        "url": url,
        "address": address,
        "currenciesAccepted": "IDR",
    }
    if cover:
        data["image"] = f"{base}/foto/{cover}"
    return json_ld(data)
