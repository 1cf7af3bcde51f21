"""The parser's version: a content hash of its code and of every vocabulary and data file it reads."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
# Globs under the repository root: the parser's code, its data, and apps/vocab (code, curated tables and
# the upstream vocabulary files in fixtures/vocab that it loads).
SOURCES = (
    "apps/criteria/parser/**/*.py",
    "apps/criteria/data/**/*",
    "apps/vocab/**/*.py",
    "apps/vocab/data/**/*",
    "fixtures/vocab/**/*",
)
# Libraries whose behaviour is part of the reading (sentence context, tokenisation).
LIBRARIES = ("medspacy", "spacy")


def _files(root: Path) -> Iterator[tuple[str, Path]]:
    seen: dict[str, Path] = {}
    for pattern in SOURCES:
        for path in root.glob(pattern):
            if path.is_file() and "__pycache__" not in path.parts:
                seen[path.relative_to(root).as_posix()] = path
    for name in sorted(seen):
        yield name, seen[name]


def _library_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "absent"


def content_version(root: Path = REPO) -> str:
    """ "p-" and 16 hex digits of a SHA-256 over the sorted relative paths and bytes of the parser's sources
    under `root` (line endings normalised, so a checkout with CRLF gives the same version) and the versions
    of the libraries it reads with. The same files give the same version on every machine."""
    digest = hashlib.sha256()
    for name, path in _files(root):
        data = path.read_bytes().replace(b"\r\n", b"\n")
        digest.update(f"{name}\0{len(data)}\0".encode())
        digest.update(data)
    for library in LIBRARIES:
        digest.update(f"{library}=={_library_version(library)}\0".encode())
    return "p-" + digest.hexdigest()[:16]
