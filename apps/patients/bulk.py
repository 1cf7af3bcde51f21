"""Inserting many fact rows at once: one prepared INSERT run with executemany, no model instances.

`bulk_create` builds a model instance per row and compiles every value into a new multi-row statement
(62 rows a statement on SQLite); for tens of thousands of facts that costs more than the database work.
Values go through each field's own `get_db_prep_save` (dates, JSON), except for plain scalar fields,
whose values the readers already produce in the right type. On PostgreSQL the rows go through COPY, its
bulk-loading path. The database still checks every constraint.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cache
from typing import Any

from django.db import connection, models

# Fields whose Python value is what the database driver takes.
_AS_IS = {
    "AutoField",
    "BigAutoField",
    "BooleanField",
    "CharField",
    "FloatField",
    "ForeignKey",
    "IntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SmallIntegerField",
    "TextField",
}


class _Statement:
    def __init__(self, model: type[models.Model]) -> None:
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        quote = connection.ops.quote_name
        self.fields = fields
        self.names = [f.attname for f in fields]
        columns = ", ".join(quote(str(f.column)) for f in fields)
        self.sql = "INSERT INTO {} ({}) VALUES ({})".format(
            quote(model._meta.db_table), columns, ", ".join(["%s"] * len(fields))
        )
        self.copy_sql = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
        self.prepare: list[Callable[[Any], Any] | None] = [
            None if f.get_internal_type() in _AS_IS else _prepare(f) for f in fields
        ]

    def params(self, values: dict[str, Any]) -> list[Any]:
        out = []
        for name, field, prepare in zip(self.names, self.fields, self.prepare, strict=True):
            value = values[name] if name in values else field.get_default()
            out.append(value if prepare is None else prepare(value))
        return out


def _prepare(field: models.Field[Any, Any]) -> Callable[[Any], Any]:
    return lambda value: field.get_db_prep_save(value, connection)


@cache
def _statement(model: type[models.Model], vendor: str) -> _Statement:
    return _Statement(model)


def insert_rows(model: type[models.Model], rows: Iterable[dict[str, Any]], chunk: int = 5000) -> int:
    """Insert rows given as {attname: value} (missing fields take their default); returns the count."""
    statement = _statement(model, connection.vendor)
    if connection.vendor == "postgresql":
        return _copy_rows(statement, rows)
    count = 0
    batch: list[list[Any]] = []
    with connection.cursor() as cursor:
        for values in rows:
            batch.append(statement.params(values))
            if len(batch) >= chunk:
                cursor.executemany(statement.sql, batch)
                count += len(batch)
                batch = []
        if batch:
            cursor.executemany(statement.sql, batch)
            count += len(batch)
    return count


def _copy_rows(statement: _Statement, rows: Iterable[dict[str, Any]]) -> int:
    count = 0
    # the driver's own COPY: its errors are turned into Django's (IntegrityError...) as for execute()
    with (
        connection.cursor() as cursor,
        connection.wrap_database_errors,
        cursor.cursor.copy(statement.copy_sql) as copy,
    ):
        for values in rows:
            copy.write_row(statement.params(values))
            count += 1
    return count
