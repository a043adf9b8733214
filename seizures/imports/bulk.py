"""Bulk inserts that keep the audit history, for imports of 100,000 rows.

On PostgreSQL the rows go in with COPY, ids drawn from the table's sequence first so that lines can point at their
shipments: several times faster than bulk_create, whose model instances and per-value preparation dominate at this
size. Elsewhere (SQLite) simple_history's bulk_create_with_history does the same job. Either way each row gets the
"+" history row a save() would have written, by the same user at the same time.
"""

from django.conf import settings
from django.db import connection
from django.db.models import Model
from simple_history.utils import bulk_create_with_history, get_history_model_for_model

BATCH_SIZE = 2_000
HISTORY_FIELDS = ("history_date", "history_change_reason", "history_type", "history_user")


def insert_with_history(model: type[Model], rows: list[dict], *, user, now) -> list[int]:
    """Insert rows of one model (attname → value; fields left out take their defaults, evaluated once) with a
    history row each, in one go; returns their primary keys in order."""
    if not rows:
        return []
    if connection.vendor == "postgresql":
        return _copy_with_history(model, rows, user=user, now=now)
    instances = [model(**row) for row in rows]
    bulk_create_with_history(instances, model, batch_size=BATCH_SIZE, default_user=user, default_date=now)
    return [instance.pk for instance in instances]


def _copy(cursor, table: str, columns: list[str], rows) -> None:
    quote = connection.ops.quote_name
    with cursor.copy(f"COPY {quote(table)} ({', '.join(quote(column) for column in columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _values(fields, rows: list[dict], pks: list[int]):
    """Each row's values in field order, the primary key first; one default per field left out of the rows."""
    given = rows[0].keys()
    defaults = {field.attname: field.get_default() for field in fields if field.attname not in given}
    for pk, row in zip(pks, rows, strict=True):
        yield [pk, *(row[field.attname] if field.attname in given else defaults[field.attname] for field in fields)]


def _copy_with_history(model: type[Model], rows: list[dict], *, user, now) -> list[int]:
    meta = model._meta
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    # Raw psycopg COPY bypasses Django's cursor wrapper, so translate its errors (IntegrityError) explicitly.
    with connection.cursor() as wrapper, connection.wrap_database_errors:
        wrapper.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(rows)],
        )
        pks = [pk for (pk,) in wrapper.fetchall()]
        values = list(_values(fields, rows, pks))
        _copy(wrapper.cursor, meta.db_table, [meta.pk.column, *(field.column for field in fields)], values)

        if getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
            history = get_history_model_for_model(model)
            # The history table tracks a subset of the fields; pick those from the row values just written.
            position = {field.attname: index for index, field in enumerate([meta.pk, *fields])}
            tracked = [position[field.attname] for field in history.tracked_fields]
            get = history._meta.get_field
            columns = [get(field.name).column for field in history.tracked_fields]
            columns += [get(name).column for name in HISTORY_FIELDS]
            stamp = [now, None, "+", user.pk if user is not None else None]
            _copy(
                wrapper.cursor,
                history._meta.db_table,
                columns,
                ([*map(row.__getitem__, tracked), *stamp] for row in values),
            )
    return pks
