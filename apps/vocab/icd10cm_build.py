"""Build fixtures/vocab/icd10cm_neoplasms.tsv (chapter 2, C00-D49) from simple_icd_10_cm.

simple_icd_10_cm parses the whole ICD-10-CM XML on import (5-7 s here); the diagnosis mapper needs only the
neoplasm chapter at run time, so it reads this small extract and imports the library only to describe
codes outside it. Run after upgrading simple_icd_10_cm:  python -m apps.vocab.icd10cm_build
"""

from __future__ import annotations

import csv
import sys
import warnings

from apps.vocab._common import FIXTURES_DIR

OUTPUT = FIXTURES_DIR / "icd10cm_neoplasms.tsv"


def build() -> int:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import simple_icd_10_cm as icd

    chapter = "2"  # Neoplasms (C00-D49)
    # Blocks are ranges ("C30-C39"); a few categories are also blocks of one ("C50"), and are kept as codes.
    codes = {c for c in icd.get_descendants(chapter) if "-" not in c}
    with OUTPUT.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter="\t", lineterminator="\n")
        writer.writerow(["code", "parent", "description"])
        for code in sorted(codes):
            parent = icd.get_parent(code)
            parent = "" if not parent or parent == code or "-" in parent or icd.is_chapter(parent) else parent
            writer.writerow([code, parent, icd.get_description(code)])
    return len(codes)


if __name__ == "__main__":
    count = build()
    sys.stdout.write(f"wrote {count} codes to {OUTPUT}\n")
