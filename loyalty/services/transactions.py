"""The transactions of services.

A service is atomic on its own. Called inside a transaction that is rolled back whole on any error (the till
API's request, `whole_or_nothing`), it needs no savepoint of its own: nothing it did could be kept without the
rest. That saves two round trips per service call on the API's hot paths; everywhere else a nested service
keeps its savepoint, so a caller may catch its error and go on."""

from __future__ import annotations

from contextlib import contextmanager
from functools import wraps

from django.db import connection, transaction

_WHOLE = "regulars_whole_or_nothing"


@contextmanager
def whole_or_nothing():
    """A transaction the caller rolls back whole when anything in it fails."""
    with transaction.atomic():
        outer = getattr(connection, _WHOLE, False)
        setattr(connection, _WHOLE, True)
        try:
            yield
        finally:
            setattr(connection, _WHOLE, outer)


def atomic_service(func):
    """@transaction.atomic, without the savepoint inside `whole_or_nothing`."""

    @wraps(func)
    def run(*args, **kwargs):
        with transaction.atomic(savepoint=not getattr(connection, _WHOLE, False)):
            return func(*args, **kwargs)

    return run
