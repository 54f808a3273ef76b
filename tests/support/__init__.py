"""Helpers shared by the test packages: paths to sample data and small utilities."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_REGIONS = ROOT / "resources" / "demo" / "regions_sample.csv"
OFFICIAL_REGIONS = ROOT.parent / "shared" / "data" / "wilayah_kemendagri_2025.csv"
# A village in the sample (Ternyang, Sumberpucung, Kabupaten Malang).
VILLAGE = "35.07.12.2001"
