"""Etalase Desa central server: devices, sync, uploads, public catalog."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("etalase-desa")
except PackageNotFoundError:  # running from a source tree
    __version__ = "0.1.0"
