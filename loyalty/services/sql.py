"""Single statements the ORM cannot write, for the hot paths: an INSERT that lets a unique index decide
(ON CONFLICT … DO NOTHING, so a duplicate costs no savepoint) and an UPDATE that answers with the row it left
(RETURNING). Plain SQL both PostgreSQL and SQLite (3.35+) understand; values go through each field's own
conversion, so they are stored exactly as the ORM would store them."""

from __future__ import annotations

from functools import cache

from django.db import connection


def db_value(model, name: str, value):
    """`value` of the model's field `name` as the database stores it."""
    return model._meta.get_field(name).get_db_prep_save(value, connection)


MAX_ID = 2**63 - 1  # a bigint: anything larger names no row (and must never reach the database)


def table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _columns(model, names) -> str:
    return ", ".join(connection.ops.quote_name(model._meta.get_field(name).column) for name in names)


def insert_rows(instances: list, *, unique: tuple[str, ...] = ()) -> int:
    """INSERT unsaved instances of one model in one statement, their primary keys set from RETURNING; every field
    is prepared as Model.save would (defaults, auto_now_add). With `unique`, a row whose `unique` fields another row
    holds already is left out (ON CONFLICT … DO NOTHING: the index decides, also against a concurrent insert,
    which this waits for) and keeps no key. Returns how many went in."""
    if not instances:
        return 0
    model = type(instances[0])
    meta = model._meta
    fields = _written(model)
    row = f"({', '.join(['%s'] * len(fields))})"
    params = [_prepared(instance, f) for instance in instances for f in fields]
    conflict = f" ON CONFLICT ({_columns(model, unique)}) DO NOTHING" if unique else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table(model)} ({_columns(model, [f.name for f in fields])}) VALUES"
            f" {', '.join([row] * len(instances))}{conflict} RETURNING {connection.ops.quote_name(meta.pk.column)}",
            params,
        )
        keys = [key for (key,) in cursor.fetchall()]
    if len(keys) == len(instances):  # every row went in, in order (a conflict leaves the keys unmatched)
        for instance, key in zip(instances, keys, strict=True):
            saved(instance, key)
    return len(keys)


def _written(model) -> list:
    """The fields an INSERT writes: all but the primary key."""
    return [f for f in model._meta.concrete_fields if f is not model._meta.pk]


def _prepared(instance, field):
    """The field's value of an unsaved instance as Model.save would write it (defaults, auto_now_add)."""
    return field.get_db_prep_save(field.pre_save(instance, add=True), connection)


def joins_writes() -> bool:
    """Whether one statement may hold several writes (data-modifying WITH, PostgreSQL): a hot path then joins
    writes that go together into one round trip; elsewhere (SQLite) each is its own statement."""
    return connection.vendor == "postgresql"


def insert_select(
    instances: list, source: str, *, set_from: dict[str, str] | None = None, where: str = "", where_params=()
):
    """(sql, params) of an INSERT of unsaved instances of one model as rows selected from `source` (a WITH query's
    name), each once per row of it (none when it is empty, or `where` fails): for a data-modifying WITH, whose
    queries one statement runs. `set_from` gives fields their value as SQL over `source` ("p.id") instead of the
    instance's; values are prepared as Model.save would, and cast to their columns' types. RETURNING the keys."""
    model = type(instances[0])
    meta = model._meta
    set_from = set_from or {}
    fields, casts = _written(model), _casts(model)
    rows, params = [], []
    for instance in instances:
        values = []
        for f, cast in zip(fields, casts, strict=True):
            if f.name in set_from:
                values.append(set_from[f.name])
            else:
                values.append(cast)
                params.append(_prepared(instance, f))
        rows.append(f"SELECT {', '.join(values)} FROM {source}{f' WHERE {where}' if where else ''}")
        params += where_params
    sql = (
        f"INSERT INTO {table(model)} ({_columns(model, [f.name for f in fields])}) {' UNION ALL '.join(rows)}"
        f" RETURNING {connection.ops.quote_name(meta.pk.column)}"
    )
    return sql, params


@cache
def _casts(model) -> tuple[str, ...]:
    """A placeholder cast to its column's type, for each field an INSERT writes (as a SELECT's values, which the
    database would otherwise type by guessing)."""
    return tuple(f"CAST(%s AS {f.db_type(connection)})" for f in _written(model))


def insert_values(instance, *, unique: tuple[str, ...] = ()):
    """(sql, params) of insert_rows' INSERT of one instance, for a WITH query; RETURNING its key."""
    meta = type(instance)._meta
    fields = _written(type(instance))
    params = [_prepared(instance, f) for f in fields]
    conflict = f" ON CONFLICT ({_columns(type(instance), unique)}) DO NOTHING" if unique else ""
    sql = (
        f"INSERT INTO {table(type(instance))} ({_columns(type(instance), [f.name for f in fields])})"
        f" VALUES ({', '.join(['%s'] * len(fields))}){conflict} RETURNING {connection.ops.quote_name(meta.pk.column)}"
    )
    return sql, params


def saved(instance, key) -> None:
    """Mark an instance written by raw SQL as saved, with its key."""
    instance.pk = key
    instance._state.adding, instance._state.db = False, connection.alias


def insert_unless_conflict(instance, *, unique: tuple[str, ...]) -> bool:
    """INSERT the instance unless a row with the same `unique` fields exists; True, its key set, when it went in."""
    return insert_rows([instance], unique=unique) == 1


def update_returning(model, pk, assignments: str, params: list, returning: tuple[str, ...]):
    """UPDATE one row by primary key with SQL `assignments` ("points_balance = points_balance + %s, …"), taking its
    row lock; the `returning` values it holds afterwards, or None when there is no such row."""
    table = connection.ops.quote_name(model._meta.db_table)
    sql = f"UPDATE {table} SET {assignments} WHERE id = %s RETURNING {_columns(model, returning)}"
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, pk])
        return cursor.fetchone()


def update_returning_and_insert(model, pk, assignments: str, params: list, returning: tuple[str, ...], insert):
    """update_returning and, in the same statement, an INSERT built by `insert(source)` with insert_select over
    the updated row (named `u`, its `returning` columns): (the values, the inserted key or None)."""
    body, insert_params = insert("u")
    sql = (
        f"WITH u AS (UPDATE {table(model)} SET {assignments} WHERE id = %s RETURNING {_columns(model, returning)}),"
        f" i AS ({body}) SELECT u.*, (SELECT id FROM i) FROM u"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, pk, *insert_params])
        row = cursor.fetchone()
    return (None, None) if row is None else (row[:-1], row[-1])


def convert(model, name: str, value):
    """A value read by raw SQL, as the ORM would give it (an aware datetime, a Decimal, parsed JSON)."""
    column, converters = _converters(model, name)
    for converter in converters:
        value = converter(value, column, connection)
    return value


@cache
def _converters(model, name: str) -> tuple:
    field = model._meta.get_field(name)
    column = field.get_col(model._meta.db_table)
    return column, tuple(connection.ops.get_db_converters(column) + field.get_db_converters(connection))


def select_joined(sources: list[tuple], rest: str, params: list) -> list[tuple]:
    """Rows of several models read by one statement, each as model instances (Model.from_db, as the ORM builds
    them), for reads hot enough that building the query costs more than the round trip. `sources` are
    (model, alias) pairs in the order of the row; `rest` is the FROM … WHERE that names those aliases. A model of an
    outer join whose primary key is NULL gives None."""
    columns, spans = [], []
    for model, alias in sources:
        fields = model._meta.concrete_fields
        spans.append((model, len(columns), len(columns) + len(fields)))
        columns += [f"{alias}.{connection.ops.quote_name(f.column)}" for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)} {rest}", params)
        rows = cursor.fetchall()
    return [tuple(_instance(model, row[start:end]) for model, start, end in spans) for row in rows]


def _instance(model, values: tuple):
    names, pk_index, converting = _reading(model)
    if values[pk_index] is None:
        return None
    values = list(values)
    for index, column, converters in converting:
        for converter in converters:
            values[index] = converter(values[index], column, connection)
    return model.from_db(connection.alias, names, values)


@cache
def _reading(model) -> tuple:
    """How to build the model from its concrete fields' values: their names, where the key is, and the fields
    whose values need converting (on PostgreSQL few do: JSON; on SQLite dates and decimals too)."""
    fields = model._meta.concrete_fields
    converting = []
    for index, field in enumerate(fields):
        column, converters = _converters(model, field.name)
        if converters:
            converting.append((index, column, converters))
    return [f.attname for f in fields], fields.index(model._meta.pk), tuple(converting)


def bulk_insert(instances: list, batch_size: int = 2000) -> None:
    """INSERT many unsaved instances of one model, their primary keys set. On PostgreSQL the keys are drawn from
    the table's sequence and the rows go in by COPY (the bulk path of LEDGER.md: an import of 100,000 customers
    writes hundreds of thousands of rows, and COPY skips building a giant INSERT); elsewhere, bulk_create."""
    if not instances:
        return
    model = type(instances[0])
    if connection.vendor != "postgresql":
        model.objects.bulk_create(instances, batch_size=batch_size)
        return
    meta = model._meta
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(instances)],
        )
        for instance, (key,) in zip(instances, cursor.fetchall(), strict=True):
            instance.pk = key
        fields = meta.concrete_fields
        # psycopg adapts plain values itself; only JSON is prepared by Django, whose preparation of every value
        # would cost more than the COPY.
        json_fields = [i for i, f in enumerate(fields) if f.get_internal_type() == "JSONField"]
        names = _columns(model, [f.name for f in fields])
        with cursor.cursor.copy(f"COPY {table(model)} ({names}) FROM STDIN") as copy:
            for instance in instances:
                values = [f.pre_save(instance, True) for f in fields]
                for i in json_fields:
                    values[i] = fields[i].get_db_prep_save(values[i], connection)
                copy.write_row(values)
    for instance in instances:
        instance._state.adding, instance._state.db = False, connection.alias
