import csv
from pathlib import Path

from apps.vocab._common import DATA_DIR


def curated_rows(name: str) -> list[dict[str, str]]:
    """Rows of a curated CSV in apps/vocab/data (comment lines skipped), for parametrised tables."""
    path: Path = DATA_DIR / name
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(line for line in fh if not line.startswith("#")))
