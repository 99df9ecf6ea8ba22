"""Single statements the ORM cannot write, for the hot paths: an INSERT that lets a unique index decide
(ON CONFLICT … DO NOTHING, so a duplicate costs no savepoint) and an UPDATE that answers with the row it left
(RETURNING). Plain SQL both PostgreSQL and SQLite (3.35+) understand; values go through each field's own
conversion, so they are stored exactly as the ORM would store them."""

from __future__ import annotations

from django.db import connection


def db_value(model, name: str, value):
    """`value` of the model's field `name` as the database stores it."""
    return model._meta.get_field(name).get_db_prep_save(value, connection)


def _columns(model, names) -> str:
    return ", ".join(connection.ops.quote_name(model._meta.get_field(name).column) for name in names)


def insert_unless_conflict(instance, *, unique: tuple[str, ...]) -> bool:
    """INSERT the unsaved instance unless a row with the same `unique` fields exists (the index decides, also
    against a concurrent insert, which this waits for). True, with the instance's primary key set, when it went in.
    Every field is prepared as Model.save would (defaults, auto_now_add)."""
    meta = instance._meta
    fields = [f for f in meta.concrete_fields if f is not meta.pk]
    params = [f.get_db_prep_save(f.pre_save(instance, add=True), connection) for f in fields]
    sql = (
        f"INSERT INTO {connection.ops.quote_name(meta.db_table)} ({_columns(type(instance), [f.name for f in fields])})"
        f" VALUES ({', '.join(['%s'] * len(params))})"
        f" ON CONFLICT ({_columns(type(instance), unique)}) DO NOTHING RETURNING {connection.ops.quote_name(meta.pk.column)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return False
    instance.pk = row[0]
    instance._state.adding, instance._state.db = False, connection.alias
    return True


def update_returning(model, pk, assignments: str, params: list, returning: tuple[str, ...]):
    """UPDATE one row by primary key with SQL `assignments` ("points_balance = points_balance + %s, …"), taking its
    row lock; the `returning` values it holds afterwards, or None when there is no such row."""
    table = connection.ops.quote_name(model._meta.db_table)
    sql = f"UPDATE {table} SET {assignments} WHERE id = %s RETURNING {_columns(model, returning)}"
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, pk])
        return cursor.fetchone()


def convert(model, name: str, value):
    """A value read by raw SQL, as the ORM would give it (an aware datetime, a Decimal)."""
    field = model._meta.get_field(name)
    converters = connection.ops.get_db_converters(field.get_col(model._meta.db_table)) + field.get_db_converters(
        connection
    )
    for converter in converters:
        value = converter(value, field.get_col(model._meta.db_table), connection)
    return value
