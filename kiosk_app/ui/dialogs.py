"""Modal questions and file choosers, with buttons in the kiosk's language.

Qt ships no Indonesian translation of its own dialogs, so standard buttons (which would
say "Cancel") are replaced by our own translated ones.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QStandardPaths, QStorageInfo, Qt, QUrl
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

PHOTO_FILTER_EXTENSIONS = "*.jpg *.jpeg *.png *.webp *.heic *.heif *.JPG *.JPEG *.PNG"


def confirm(parent: QWidget, title: str, text: str, yes: str, *, danger: bool = False) -> bool:
    """Ask a yes/no question; True when the person chose ``yes``."""
    box = QMessageBox(parent)
    box.setObjectName("confirmBox")
    box.setWindowTitle(title)
    box.setTextFormat(Qt.TextFormat.PlainText)  # names in the question are data, not markup
    box.setText(text)
    box.setIcon(QMessageBox.Icon.Warning if danger else QMessageBox.Icon.Question)
    yes_button = box.addButton(yes, QMessageBox.ButtonRole.AcceptRole)
    yes_button.setObjectName("confirmYes")
    no_button = box.addButton(
        QCoreApplication.translate("Dialogs", "Cancel"), QMessageBox.ButtonRole.RejectRole
    )
    no_button.setObjectName("confirmNo")
    box.setDefaultButton(no_button)
    box.exec()
    return box.clickedButton() is yes_button


SAVE, DISCARD, CANCEL = "save", "discard", "cancel"


def ask_unsaved(parent: QWidget) -> str:
    """Leaving a form with changes: Save, Discard or Cancel (stay). Enter saves."""
    box = QMessageBox(parent)
    box.setObjectName("unsavedBox")
    box.setWindowTitle(QCoreApplication.translate("Dialogs", "Unsaved changes"))
    box.setText(
        QCoreApplication.translate(
            "Dialogs", "This form has changes that are not saved yet. Save them?"
        )
    )
    box.setIcon(QMessageBox.Icon.Question)
    save = box.addButton(
        QCoreApplication.translate("Dialogs", "Save"), QMessageBox.ButtonRole.AcceptRole
    )
    save.setObjectName("unsavedSave")
    discard = box.addButton(
        QCoreApplication.translate("Dialogs", "Discard changes"),
        QMessageBox.ButtonRole.DestructiveRole,
    )
    discard.setObjectName("unsavedDiscard")
    cancel = box.addButton(
        QCoreApplication.translate("Dialogs", "Cancel"), QMessageBox.ButtonRole.RejectRole
    )
    cancel.setObjectName("unsavedCancel")
    for button in (save, discard, cancel):
        button.setMinimumHeight(52)
    box.setDefaultButton(save)
    box.setEscapeButton(cancel)
    box.exec()
    clicked = box.clickedButton()
    return SAVE if clicked is save else DISCARD if clicked is discard else CANCEL


def inform(parent: QWidget, title: str, text: str, *, error: bool = False) -> None:
    """Tell the person something they must acknowledge."""
    box = QMessageBox(parent)
    box.setObjectName("informBox")
    box.setWindowTitle(title)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText(text)
    box.setIcon(QMessageBox.Icon.Critical if error else QMessageBox.Icon.Information)
    box.addButton(
        QCoreApplication.translate("Dialogs", "OK"), QMessageBox.ButtonRole.AcceptRole
    ).setObjectName("informOk")
    box.exec()


def removable_drives() -> list[Path]:
    """Mounted drives that look like flash drives or memory cards (not the system disk)."""
    drives: list[Path] = []
    for volume in QStorageInfo.mountedVolumes():
        root = volume.rootPath()
        if not (volume.isValid() and volume.isReady()) or volume.isRoot():
            continue
        if root.startswith(("/media/", "/run/media/", "/mnt/", "/Volumes/")) or (
            len(root) <= 3 and root[1:2] == ":" and root[0].upper() not in "C"
        ):
            drives.append(Path(root))
    return drives


def start_folder(drives: list[Path], pictures: str, home: str) -> str:
    """Where the photo chooser opens: a flash drive, else Pictures, else home; never the
    program's own folder (what Qt falls back to for a folder that does not exist)."""
    for candidate in (*map(str, drives), pictures, home):
        if candidate and Path(candidate).is_dir():
            return candidate
    return home


def photo_file_dialog(parent: QWidget, on_chosen: Callable[[list[str]], None]) -> QFileDialog:
    """Open (non-blocking) a file chooser for photos, with flash drives in the side bar."""
    dialog = QFileDialog(parent, QCoreApplication.translate("Dialogs", "Choose photos"))
    dialog.setObjectName("photoFileDialog")
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
    dialog.setNameFilter(
        QCoreApplication.translate("Dialogs", "Photos") + f" ({PHOTO_FILTER_EXTENSIONS})"
    )
    pictures = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.PicturesLocation)
    home = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.HomeLocation)
    drives = removable_drives()
    places = [QUrl.fromLocalFile(str(d)) for d in drives]
    places += [QUrl.fromLocalFile(p) for p in (pictures, home) if p and Path(p).is_dir()]
    dialog.setSidebarUrls(places)
    dialog.setDirectory(start_folder(drives, pictures, home))
    dialog.setLabelText(
        QFileDialog.DialogLabel.Accept, QCoreApplication.translate("Dialogs", "Choose")
    )
    dialog.setLabelText(
        QFileDialog.DialogLabel.Reject, QCoreApplication.translate("Dialogs", "Cancel")
    )
    dialog.setLabelText(
        QFileDialog.DialogLabel.LookIn, QCoreApplication.translate("Dialogs", "Look in:")
    )
    dialog.setLabelText(
        QFileDialog.DialogLabel.FileName, QCoreApplication.translate("Dialogs", "File name:")
    )
    dialog.setLabelText(
        QFileDialog.DialogLabel.FileType, QCoreApplication.translate("Dialogs", "File type:")
    )
    dialog.filesSelected.connect(on_chosen)
    dialog.finished.connect(dialog.deleteLater)
    dialog.open()
    return dialog
