"""The consent text read to a merchant before their data is recorded (UU PDP No. 27/2022).

Each wording has a version id that is stored with the merchant (``consent_version``), so
the text is kept here as data, not in the translation files: a translator must never
change what a merchant agreed to. A new wording gets a new version id.
"""

from __future__ import annotations

from datetime import datetime

CURRENT_VERSION = "persetujuan-v1"

TEXTS: dict[str, dict[str, str]] = {
    "persetujuan-v1": {
        "id": (
            "Kami akan mencatat data usaha Anda: nama usaha, nama pemilik, nomor HP, "
            "desa dan alamat, serta foto dan keterangan produk. Jika Anda punya, juga NIB, "
            "NPWP, nomor P-IRT, sertifikat halal, dan email.\n\n"
            "Untuk apa: agar produk Anda tampil di katalog Etalase Desa dan pembeli bisa "
            "menghubungi Anda lewat WhatsApp. Nama usaha, desa, nomor WhatsApp, dan produk "
            "yang Anda pilih untuk ditampilkan bisa dilihat semua orang di internet.\n\n"
            "Data disimpan di komputer kios ini dan di server pusat Etalase Desa. Data tidak "
            "dijual dan tidak diberikan kepada pihak lain.\n\n"
            "Hak Anda: kapan saja Anda boleh melihat, membetulkan, atau meminta data Anda "
            "dihapus. Cukup datang ke kios ini. Data yang dihapus juga akan dihapus dari "
            "server pusat.\n\n"
            "Persetujuan ini sukarela. Jika Anda tidak setuju, data Anda tidak dicatat."
        ),
        "en": (
            "We will record your business data: business name, owner's name, phone number, "
            "village and address, and photos and descriptions of your products. If you have "
            "them, also your NIB, NPWP, P-IRT number, halal certificate and email.\n\n"
            "What for: so that your products appear in the Etalase Desa catalog and buyers "
            "can contact you on WhatsApp. Your business name, village, WhatsApp number and "
            "the products you choose to publish can be seen by anyone on the internet.\n\n"
            "The data is kept on this kiosk's computer and on the Etalase Desa central "
            "server. It is not sold and not given to anyone else.\n\n"
            "Your rights: at any time you may see or correct your data, or ask for it to be "
            "deleted. Just come to this kiosk. Deleted data is also deleted from the central "
            "server.\n\n"
            "This consent is voluntary. If you do not agree, your data is not recorded."
        ),
    }
}


def consent_text(version: str, lang: str) -> str:
    """The wording of ``version`` in ``lang`` (Bahasa Indonesia if there is no other)."""
    texts = TEXTS[version]
    return texts.get(lang) or texts["id"]


def consent_record(operator_name: str, now: datetime | None = None) -> dict[str, str]:
    """The merchant fields that record consent now: which text, when (with zone), who."""
    moment = (now or datetime.now()).astimezone()
    return {
        "consent_version": CURRENT_VERSION,
        "consent_at": moment.isoformat(timespec="seconds"),
        "consent_operator": operator_name,
    }
