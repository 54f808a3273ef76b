"""The consent text read to a merchant before their data is recorded (UU PDP No. 27/2022).

Each wording has a version id that is stored with the merchant (``consent_version``), so
the text is kept here as data, not in the translation files: a translator must never
change what a merchant agreed to. A new wording gets a new version id.

persetujuan-v2 (issue 20) names the deployment's data controller and its contact (the
server's ``controller`` settings, told to the kiosk with every sync), says what is
optional, what is public and what never is, where the data is kept (truthful to the
minimisation of docs/privacy.md: the region's other kiosks get no permits and no email),
for how long, and that consent can be withdrawn. Merchants who agreed to v1 keep that
record; the merchant's page offers them v2 at their next visit.
"""

from __future__ import annotations

from datetime import datetime

CURRENT_VERSION = "persetujuan-v2"
# Until the first sync tells the kiosk its deployment's controller: still true, if vaguer.
DEFAULT_CONTROLLER = {
    "id": "penyelenggara Etalase Desa di kabupaten/kota ini (admin pusat)",
    "en": "the Etalase Desa operator of this regency/city (the central admin)",
}
DEFAULT_CONTACT = {"id": "petugas kios ini", "en": "this kiosk's operator"}

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
    },
    "persetujuan-v2": {
        "id": (
            "Pengendali data: {controller}. Pertanyaan dan permintaan tentang data Anda: "
            "{contact}, atau lewat petugas kios ini.\n\n"
            "Data yang dicatat: nama usaha, nama pemilik, nomor HP (WhatsApp), desa dan "
            "alamat, serta foto dan keterangan produk. Jika Anda mau, juga NIB, NPWP, nomor "
            "P-IRT, nomor sertifikat halal, dan email; semua ini boleh tidak diisi.\n\n"
            "Untuk apa: agar produk Anda tampil di katalog Etalase Desa dan pembeli bisa "
            "memesan lewat WhatsApp.\n\n"
            "Yang tampil untuk umum di internet: nama usaha, desa, nomor WhatsApp, dan "
            "produk yang Anda pilih untuk tampil di katalog. Nama pemilik, alamat, NIB, NPWP, "
            "nomor P-IRT, sertifikat halal, dan email tidak pernah tampil untuk umum.\n\n"
            "Tempat penyimpanan: di komputer kios ini dan di server pusat Etalase Desa. Kios "
            "lain di wilayah yang sama menerima nama usaha, nama pemilik, nomor HP, desa, "
            "alamat, produk, dan catatan persetujuan ini, agar Anda bisa dilayani di sana juga; "
            "NIB, NPWP, nomor P-IRT, sertifikat halal, dan email tidak dikirim ke kios lain. "
            "Data tidak dijual dan tidak diberikan kepada pihak lain.\n\n"
            "Lama penyimpanan: selama Anda terdaftar sebagai penjual. Data yang dihapus "
            "hilang dari kios ini dan server pusat saat itu juga, dan dari kios lain pada "
            "sinkronisasi berikutnya; cadangan kios yang dibuat sebelumnya masih memuatnya "
            "sampai cadangan itu dihapus teknisi.\n\n"
            "Hak Anda: kapan saja Anda boleh melihat dan membetulkan data Anda, dan menarik "
            "persetujuan ini. Jika persetujuan ditarik, data Anda dihapus dan usaha Anda "
            "tidak tampil lagi di katalog. Cukup datang ke kios atau hubungi {contact}.\n\n"
            "Persetujuan ini sukarela. Jika Anda tidak setuju, data Anda tidak dicatat."
        ),
        "en": (
            "Data controller: {controller}. Questions and requests about your data: "
            "{contact}, or through this kiosk's operator.\n\n"
            "What is recorded: business name, owner's name, phone number (WhatsApp), village "
            "and address, and photos and descriptions of your products. If you wish, also "
            "your NIB, NPWP, P-IRT number, halal certificate number and email; all of these "
            "may be left out.\n\n"
            "What for: so that your products appear in the Etalase Desa catalog and buyers "
            "can order on WhatsApp.\n\n"
            "Public on the internet: your business name, village, WhatsApp number and the "
            "products you choose to publish. Your name, address, NIB, NPWP, P-IRT number, "
            "halal certificate and email are never public.\n\n"
            "Where it is kept: on this kiosk's computer and on the Etalase Desa central "
            "server. Other kiosks of the same region receive your business name, name, phone "
            "number, village, address, products and this consent record, so that you can be "
            "served there too; NIB, NPWP, P-IRT number, halal certificate and email are not "
            "sent to other kiosks. The data is not sold and not given to anyone else.\n\n"
            "How long: as long as you are registered as a merchant. Deleted data leaves this "
            "kiosk and the central server at once, and other kiosks at their next sync; "
            "kiosk backups made before still hold it until the technician deletes them.\n\n"
            "Your rights: at any time you may see and correct your data, and withdraw this "
            "consent. If you withdraw it, your data is deleted and your business leaves the "
            "catalog. Just come to the kiosk or contact {contact}.\n\n"
            "This consent is voluntary. If you do not agree, your data is not recorded."
        ),
    },
}


def consent_text(
    version: str, lang: str, controller: str | None = None, contact: str | None = None
) -> str:
    """The wording of ``version`` in ``lang`` (Bahasa Indonesia if there is no other),
    naming the deployment's ``controller`` and ``contact`` where the version does."""
    texts = TEXTS[version]
    lang = lang if lang in texts else "id"
    return texts[lang].format(
        controller=controller or DEFAULT_CONTROLLER[lang],
        contact=contact or DEFAULT_CONTACT[lang],
    )


def consent_record(operator_name: str, now: datetime | None = None) -> dict[str, str]:
    """The merchant fields that record consent now: which text, when (with zone), who."""
    moment = (now or datetime.now()).astimezone()
    return {
        "consent_version": CURRENT_VERSION,
        "consent_at": moment.isoformat(timespec="seconds"),
        "consent_operator": operator_name,
    }
