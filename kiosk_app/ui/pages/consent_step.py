"""The consent step: the text (with its version id) is read with the merchant, who agrees
or not. Nothing about the merchant is recorded before they agree."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QLabel, QSizePolicy, QTextBrowser, QVBoxLayout, QWidget

from kiosk_app.ui.consent import CURRENT_VERSION, consent_text
from kiosk_app.ui.i18n import current_language
from kiosk_app.ui.widgets.common import big_button, button_row, hint_label, title_label


class ConsentStep(QWidget):
    """Emits ``agreed(version)`` or ``declined()``."""

    agreed = Signal(str)
    declined = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("consentStep")
        self._controller: tuple[str | None, str | None] = (None, None)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(title_label(self.tr("Step 1 of 2: the owner's consent")))
        column.addWidget(
            hint_label(
                self.tr(
                    "Read this text to the business owner, or let them read it. Their data "
                    "is recorded only if they agree."
                )
            )
        )
        self.version_label = QLabel()
        self.version_label.setObjectName("consentVersion")
        self.version_label.setProperty("role", "hint")
        self.version_label.setWordWrap(True)
        column.addWidget(self.version_label)
        self.text = QTextBrowser()
        self.text.setObjectName("consentText")
        column.addWidget(self.text, 1)
        self.read_check = QCheckBox(self.tr("The owner has read or heard this text"))
        self.read_check.setObjectName("consentRead")
        # Only as wide as its text, so a tap beside it is not silently ignored.
        self.read_check.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        column.addWidget(self.read_check)
        self.decline_button = big_button(self.tr("The owner does not agree"), name="consentNo")
        self.agree_button = big_button(
            self.tr("The owner agrees"), kind="primary", name="consentYes"
        )
        self.agree_button.setEnabled(False)
        self.read_check.toggled.connect(self.agree_button.setEnabled)
        self.agree_button.clicked.connect(lambda: self.agreed.emit(CURRENT_VERSION))
        self.decline_button.clicked.connect(self.declined)
        column.addLayout(button_row(self.decline_button, self.agree_button))

    def reset(self, earlier: str | None = None) -> None:
        """Show the current wording, unticked; ``earlier`` is the version the merchant
        agreed to before (offered the new one at this visit), if any."""
        version = self.tr("Text version: {version}").format(version=CURRENT_VERSION)
        if earlier:
            version = self.tr(
                "Text version: {version}. This merchant agreed to {earlier} before; read "
                "them the new text. If they do not agree, their earlier consent stays."
            ).format(version=CURRENT_VERSION, earlier=earlier)
        self.version_label.setText(version)
        self._show_text()
        self.read_check.setChecked(False)
        self.read_check.setFocus()

    def set_controller(self, controller: str | None, contact: str | None) -> None:
        """The deployment's data controller and contact (from the server), named in the text."""
        self._controller = (controller, contact)
        self._show_text()

    def _show_text(self) -> None:
        controller, contact = self._controller
        self.text.setPlainText(
            consent_text(CURRENT_VERSION, current_language(), controller, contact)
        )
