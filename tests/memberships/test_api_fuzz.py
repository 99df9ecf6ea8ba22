"""Schemathesis generates requests to the membership and pack endpoints of a shop that sells plans and packs (the
core's own run uses a shop without them): none may get a server error."""

import uuid

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from loyalty.services.api_keys import api_key_create
from loyalty.services.config import config_import
from loyalty.wsgi import application
from tests.factories import enrol
from tests.fuzzing import budget

from .conftest import vip_document

pytestmark = pytest.mark.fuzz

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application).include(
    path_regex=r"^/api/v1/(memberships|packs|members/\{member_id\}/(packs|membership))"
)


@pytest.fixture(autouse=True)
def connection_kept_between_requests():
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def bearer(db):
    shop = config_import(vip_document("fuzzed"))
    enrol(shop)
    return api_key_create(shop=shop, role="manager")[1]


@schema.parametrize()
@budget(40)
def test_no_generated_request_gets_a_server_error(case, bearer):
    headers = {"Authorization": f"Bearer {bearer}"}
    if case.method == "POST":
        headers["Idempotency-Key"] = "fuzz-" + uuid.uuid4().hex
    response = case.call(headers=headers)
    assert response.status_code < 500, (case.method, case.path, case.body, response.text[:500])
