"""Schemathesis generates requests from the till API's own OpenAPI document: none may get a server error."""

import uuid

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from loyalty.services.api_keys import api_key_create
from loyalty.wsgi import application
from tests.factories import ProgramFactory, enrol
from tests.fuzzing import budget

pytestmark = pytest.mark.fuzz

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture(autouse=True)
def connection_kept_between_requests():
    """As Django's test client does: the WSGI handler would otherwise close the test's connection after each
    request, inside the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def bearer(db):
    shop = ProgramFactory().shop
    enrol(shop)
    _, raw = api_key_create(shop=shop, role="manager")
    return raw


@schema.parametrize()
@budget(25)
def test_no_generated_request_gets_a_server_error(case, bearer):
    headers = {"Authorization": f"Bearer {bearer}"}
    if case.method == "POST":
        headers["Idempotency-Key"] = "schemathesis-" + uuid.uuid4().hex
    response = case.call(headers=headers)
    assert response.status_code < 500, (case.method, case.path, case.body, response.text[:500])
