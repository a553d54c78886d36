"""Mapping between domain records and SQLite rows.

Table columns follow each record's field order, so one pair of generic functions serves every
table; nested fields are stored as JSON text.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict, fields, is_dataclass
from typing import Any, TypeVar

from reelstack.core.records import Ad, Media

R = TypeVar("R")

_JSON_FIELDS = {"meta", "probe", "hashtags", "ad", "context", "value", "reasons", "details"}
_JSON_FIELDS |= {"excluded", "queues"}
_JSON_FIELDS_NULLABLE = {"decision"}


def _encode(name: str, value: Any) -> Any:
    if is_dataclass(value):
        value = asdict(value)
    if name in _JSON_FIELDS or (name in _JSON_FIELDS_NULLABLE and value is not None):
        return None if value is None else json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return int(value)
    return value


def to_row(record: Any) -> tuple:
    """The record's values in field order, ready for ``INSERT ... VALUES (?, ...)``."""
    return tuple(_encode(f.name, getattr(record, f.name)) for f in fields(record))


def from_row(cls: type[R], row: sqlite3.Row) -> R:
    """Build ``cls`` from a row, ignoring columns the record does not have (``seq``)."""
    data: dict[str, Any] = {}
    for f in fields(cls):  # type: ignore[arg-type]
        value = row[f.name]
        if f.name in _JSON_FIELDS or f.name in _JSON_FIELDS_NULLABLE:
            value = json.loads(value) if value is not None else None
        data[f.name] = value
    if "ad" in data and data["ad"] is not None:
        data["ad"] = Ad(**data["ad"])
    if cls is Media:
        data["has_audio"] = bool(data["has_audio"])
    return cls(**data)


def placeholders(cls: type) -> str:
    """``(?,?,...)`` for every field of ``cls``."""
    return "(" + ",".join("?" * len(fields(cls))) + ")"


def columns(cls: type) -> str:
    """``(a, b, ...)``: the field names of ``cls``, for tables with extra columns."""
    return "(" + ", ".join(f.name for f in fields(cls)) + ")"


def insert(conn: sqlite3.Connection, verb: str, table: str, record: Any) -> sqlite3.Cursor:
    """``verb INTO table (fields) VALUES (...)`` for one record (verb: INSERT, INSERT OR ...)."""
    cls = type(record)
    sql = f"{verb} INTO {table} {columns(cls)} VALUES {placeholders(cls)}"
    return conn.execute(sql, to_row(record))
