"""Why a photo was refused: a stable code plus a message for the operator (id) and the log (en)."""

from __future__ import annotations

from typing import Literal, get_args

PhotoErrorCode = Literal[
    "empty",  # zero bytes
    "not_image",  # text, random bytes, a PDF: nothing we recognise as a picture
    "truncated",  # a known photo format whose data is cut short or damaged
    "too_large",  # more pixels or more bytes than a kiosk should decode
    "unsupported",  # a real picture in a format or shape we do not take (GIF, TIFF, animation)
    "unreadable",  # the file itself could not be read (USB stick pulled out, no permission)
]

PHOTO_ERROR_CODES: tuple[str, ...] = get_args(PhotoErrorCode)


class PhotoError(ValueError):
    """A photo the pipeline refuses. Known bad input, not a bug: show ``message_id``."""

    def __init__(self, code: PhotoErrorCode, message_id: str, message_en: str) -> None:
        super().__init__(message_en)
        self.code: PhotoErrorCode = code
        self.message_id = message_id
        self.message_en = message_en

    def message(self, lang: str = "id") -> str:
        """The message in Bahasa Indonesia (default) or English."""
        return self.message_id if lang == "id" else self.message_en

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message_id": self.message_id, "message_en": self.message_en}

    def __repr__(self) -> str:
        return f"PhotoError({self.code!r}, {self.message_en!r})"
