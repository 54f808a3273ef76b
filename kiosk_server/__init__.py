"""Etalase Desa central server: devices, sync, uploads, public catalog."""
