"""Reading a file's bytes: detect JSON, YAML, XML or CSV, decode safely, yield its documents."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from pathlib import PurePath
from typing import Any

import defusedxml
import defusedxml.ElementTree as SafeET
import yaml

from .records import FileRejected

SUFFIXES = {
    ".json": "json",
    ".jsonl": "json",
    ".ndjson": "json",
    ".xml": "xml",
    ".yaml": "yaml",
    ".yml": "yaml",
    ".csv": "csv",
}


def kind_of(name: str, data: bytes) -> str:
    """The format by file suffix, else by the first character; FileRejected when neither tells."""
    suffix = PurePath(name).suffix.lower()
    if suffix in SUFFIXES:
        return SUFFIXES[suffix]
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head == b"<":
        return "xml"
    if head in (b"{", b"["):
        return "json"
    raise FileRejected(
        f"unsupported file type {suffix or '(no suffix)'}: expected .json, .xml, .yaml, .yml or .csv"
    )


def decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileRejected(f"not UTF-8 text: undecodable byte at offset {exc.start}") from None


def json_documents(text: str) -> list[Any]:
    """One JSON value, or several in a row (JSON Lines, or documents simply concatenated)."""
    decoder = json.JSONDecoder()
    docs: list[Any] = []
    position = 0
    end = len(text)
    while True:
        while position < end and text[position].isspace():
            position += 1
        if position >= end:
            break
        try:
            doc, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError as exc:
            raise FileRejected(f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
        docs.append(doc)
    if not docs:
        raise FileRejected("the file is empty")
    return docs


def yaml_documents(text: str) -> list[Any]:
    try:
        docs = [doc for doc in yaml.safe_load_all(text) if doc is not None]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise FileRejected(f"invalid YAML{where}: {problem}") from None
    if not docs:
        raise FileRejected("the file is empty")
    return docs


def xml_document(data: bytes) -> dict[str, Any]:
    """The root element as a dict; DTDs and entities are refused (no XXE, no entity expansion)."""
    try:
        root = SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except defusedxml.DTDForbidden:
        raise FileRejected("XML with a DOCTYPE declaration is refused (possible external entity)") from None
    except (defusedxml.EntitiesForbidden, defusedxml.ExternalReferenceForbidden):
        raise FileRejected("XML with entity declarations or external references is refused") from None
    except ET.ParseError as exc:
        line, column = exc.position
        raise FileRejected(f"invalid XML at line {line}, column {column + 1}: {exc}") from None
    return {root.tag: element_to_dict(root)}


def element_to_dict(element: ET.Element) -> Any:
    """Text for a leaf; otherwise a dict of children (repeats become lists), attributes as "@name"."""
    children = list(element)
    text = element.text or ""
    if not children and not element.attrib:
        return text
    out: dict[str, Any] = {f"@{key}": value for key, value in element.attrib.items()}
    for child in children:
        value = element_to_dict(child)
        if child.tag in out:
            existing = out[child.tag]
            if isinstance(existing, list):
                existing.append(value)
            else:
                out[child.tag] = [existing, value]
        else:
            out[child.tag] = value
    if text.strip():
        out["#text"] = text
    return out


def csv_rows(text: str) -> list[dict[str, str]]:
    csv.field_size_limit(10 * 1024 * 1024)
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        rows = list(reader)
    except csv.Error as exc:
        raise FileRejected(f"invalid CSV: {exc}") from None
    if reader.fieldnames is None:
        raise FileRejected("the file is empty")
    return rows
