"""Helpers shared by the test packages: paths to sample data and small utilities."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_REGIONS = ROOT / "resources" / "demo" / "regions_sample.csv"
OFFICIAL_REGIONS = ROOT.parent / "shared" / "data" / "wilayah_kemendagri_2025.csv"
# The official list's shape (Kemendagri 2025): what a full load must hold.
OFFICIAL_COUNTS = {"province": 38, "regency": 514, "district": 7_285, "village": 83_762}
# A village in the sample (Ternyang, Sumberpucung, Kabupaten Malang).
VILLAGE = "35.07.12.2001"


def official_regions(where: Path) -> tuple[Path, bool]:
    """The official region list, or where it is absent a generated list of its shape.

    The project must not copy the official list in; a machine without `../shared/data`
    gets a synthetic list with the same number of rows per level, written to `where`.
    Returns the file and whether it is the official one.
    """
    for candidate in (OFFICIAL_REGIONS, Path("/work/shared/data/wilayah_kemendagri_2025.csv")):
        if candidate.exists():
            return candidate, True
    return write_synthetic_regions(where / "regions_synthetic.csv", OFFICIAL_COUNTS), False


def write_synthetic_regions(path: Path, counts: dict[str, int]) -> Path:
    """A region list with `counts` rows per level, spread evenly down the tree."""
    provinces = [f"{11 + i}" for i in range(counts["province"])]
    rows = ["code,name,level"] + [f"{p},Provinsi {p},province" for p in provinces]
    parents = provinces
    for level, width in (("regency", 2), ("district", 2), ("village", 4)):
        total, children, n = counts[level], [], len(parents)
        for k, parent in enumerate(parents):
            share = total // n + (1 if k < total % n else 0)
            for j in range(share):
                number = f"{j + 1:02d}" if width == 2 else f"{2001 + j}"
                children.append(f"{parent}.{number}")
        rows += [f"{code},Wilayah {code},{level}" for code in children]
        parents = children
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path
