"""The OpenAPI document names each response and body schema by its class name, and django-ninja keeps the last one
registered under a name: two apps' `QuoteOut` made the till's quote answer documented as a membership quote (found
by the stateful fuzzer). Fails when two API schemas of the project share a name."""

from collections import Counter

from ninja import Schema

from loyalty.api import api

PROJECT_APPS = ("loyalty", "rewards", "referrals", "partners", "memberships", "coalitions", "challenges", "insights")


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_no_two_api_schemas_share_a_name():
    api.get_openapi_schema()  # every router's schemas are imported and built
    ours = {sub for sub in _subclasses(Schema) if sub.__module__.split(".")[0] in PROJECT_APPS}
    twice = sorted(name for name, count in Counter(sub.__name__ for sub in ours).items() if count > 1)
    assert not twice, f"schemas with the same name in the API document: {twice}"
