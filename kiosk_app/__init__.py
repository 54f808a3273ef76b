"""Etalase Desa kiosk app: offline-first listing of village merchants' goods."""

__version__ = "0.1.0"
