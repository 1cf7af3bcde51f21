"""The parser's version is a content hash of its code and data: the same files give the same version, any
change to a file it reads gives another."""

from __future__ import annotations

import shutil
from pathlib import Path

from apps.criteria.parser import PARSER_VERSION, parse
from apps.criteria.parser.version import REPO, SOURCES, content_version


def _copy_sources(to: Path) -> Path:
    for top in ("apps/criteria/parser", "apps/criteria/data", "apps/vocab", "fixtures/vocab"):
        shutil.copytree(REPO / top, to / top, ignore=shutil.ignore_patterns("__pycache__"))
    return to


def test_parser_version_is_the_content_hash_of_its_sources():
    assert content_version(REPO) == PARSER_VERSION
    assert PARSER_VERSION.startswith("p-") and len(PARSER_VERSION) == 18
    assert parse("ECOG 0-1")["parser_version"] == PARSER_VERSION


def test_a_copy_of_the_same_files_elsewhere_has_the_same_version(tmp_path):
    root = _copy_sources(tmp_path)

    assert content_version(root) == PARSER_VERSION


def test_changing_a_data_file_changes_the_version(tmp_path):
    root = _copy_sources(tmp_path)
    cues = root / "apps/criteria/data/cues.yaml"

    cues.write_text(cues.read_text() + "\n# one more line\n")

    assert content_version(root) != PARSER_VERSION


def test_changing_a_vocabulary_table_or_the_parser_code_changes_the_version(tmp_path):
    root = _copy_sources(tmp_path)
    before = content_version(root)
    synonyms = root / "apps/vocab/data/gene_synonyms.csv"
    synonyms.write_bytes(synonyms.read_bytes() + b"\n")
    after_vocab = content_version(root)
    code = root / "apps/criteria/parser/structure.py"

    code.write_text(code.read_text() + "\n# comment\n")

    assert len({before, after_vocab, content_version(root)}) == 3


def test_renaming_a_file_changes_the_version_even_with_the_same_bytes(tmp_path):
    root = _copy_sources(tmp_path)
    (root / "apps/criteria/data/cues.yaml").rename(root / "apps/criteria/data/cues2.yaml")

    assert content_version(root) != PARSER_VERSION


def test_line_endings_and_bytecode_caches_do_not_change_the_version(tmp_path):
    root = _copy_sources(tmp_path)
    cues = root / "apps/criteria/data/cues.yaml"
    cues.write_bytes(cues.read_bytes().replace(b"\n", b"\r\n"))
    cache = root / "apps/criteria/parser/__pycache__"
    cache.mkdir()
    (cache / "structure.cpython-311.pyc").write_bytes(b"\x00compiled")

    assert content_version(root) == PARSER_VERSION


def test_every_source_glob_names_files_that_exist():
    for pattern in SOURCES:
        assert any(p.is_file() for p in REPO.glob(pattern)), pattern
