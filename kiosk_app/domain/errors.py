"""Validation errors that say which field, what is wrong and what is expected, in id and en."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    field: str
    code: str  # stable machine code, e.g. "phone.invalid"
    message_id: str  # Bahasa Indonesia, shown to operators
    message_en: str

    def to_dict(self) -> dict[str, str]:
        return {
            "field": self.field,
            "code": self.code,
            "message_id": self.message_id,
            "message_en": self.message_en,
        }


class ValidationError(ValueError):
    """One or more fields are invalid. ``errors`` lists each problem."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = list(errors)
        super().__init__("; ".join(f"{e.field}: {e.message_en}" for e in self.errors))

    def message(self, lang: str = "id") -> str:
        return "\n".join(e.message_id if lang == "id" else e.message_en for e in self.errors)
