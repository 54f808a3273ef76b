"""PySide6 screens of the kiosk app; the only package that imports Qt."""
