"""Every constraint and index the models declare exists in the migrated database: a migration that drops one by
mistake (0006 once took the ledger's unique "once" indexes for plain ones on PostgreSQL) fails here."""

from django.apps import apps
from django.db import connection


def test_every_declared_constraint_and_index_is_in_the_database(db):
    missing = []
    with connection.cursor() as cursor:
        for model in apps.get_models():
            if not model._meta.managed or model._meta.proxy:
                continue
            present = set(connection.introspection.get_constraints(cursor, model._meta.db_table))
            missing += [
                f"{model._meta.label}.{item.name}"
                for item in [*model._meta.constraints, *model._meta.indexes]
                if item.name not in present
            ]
    assert missing == []
