"""GET /api/v1/reports/program (pos-api.md): the dashboard's figures, for manager keys, with clear errors."""

from __future__ import annotations

import csv
import io

from django.urls import reverse

from insights.present import report_fields
from insights.report import period_of, program_report
from loyalty.services.api_keys import api_key_create
from tests.factories import StaffFactory
from tests.till import TillClient

from .test_report import JUNE, MAY

URL = "/api/v1/reports/program"


def get(shop, role="manager", **params):
    _key, raw = api_key_create(shop=shop, role=role)
    return TillClient().get(URL, params, HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_the_endpoint_answers_the_spec_keys_with_the_dashboards_figures(may):
    answer = get(may, **{"from": "2031-05-01", "to": "2031-06-01"})
    assert answer.status_code == 200, answer.content
    body = answer.json()
    spec_keys = {
        "members_enrolled", "members_active", "purchases", "member_purchases", "member_sales", "repeat_rate",
        "points_issued", "points_redeemed", "points_expired", "points_outstanding", "liability", "vouchers_issued",
        "vouchers_used",
    }  # fmt: skip
    assert spec_keys <= set(body)
    assert body["member_sales"] == "3400000" and body["repeat_rate"] == "0.3333"
    assert body["points_issued"] == 85 and body["vouchers_used"] == 1
    expected = report_fields(program_report(period_of(may, MAY, JUNE)), "VND")
    assert body == expected  # the same numbers as the dashboard's


def test_one_location_by_its_code(may):
    body = get(may, **{"from": "2031-05-01", "to": "2031-06-01", "location": "dong-khoi"}).json()
    assert (body["purchases"], body["member_sales"]) == (5, "2400000")


def test_bad_input_is_an_error_never_a_500(saigon):
    assert get(saigon, to="2031-06-01").status_code == 422  # no from
    assert get(saigon, **{"from": "2031-13-01", "to": "2031-06-01"}).status_code == 422
    answer = get(saigon, **{"from": "2031-06-01", "to": "2031-05-01"})
    assert answer.status_code == 422 and "to" in answer.json()["error"]["fields"]
    answer = get(saigon, **{"from": "2031-05-01", "to": "2031-06-01", "location": "nowhere"})
    assert answer.status_code == 422 and answer.json()["error"]["code"] == "location_not_found"


def test_a_cashier_key_may_not_read_it_nor_no_key(saigon):
    assert get(saigon, role="cashier", **{"from": "2031-05-01", "to": "2031-06-01"}).status_code == 403
    assert TillClient().get(URL, {"from": "2031-05-01", "to": "2031-06-01"}).status_code == 401


def test_another_shops_location_is_not_found(saigon, other_shop):
    from tests.factories import LocationFactory

    LocationFactory(shop=other_shop, code="elsewhere")
    answer = get(saigon, **{"from": "2031-05-01", "to": "2031-06-01", "location": "elsewhere"})
    assert answer.status_code == 422


def test_the_csv_has_the_same_figures(may, client):
    client.force_login(StaffFactory(shop=may, role="manager").user)
    answer = client.get(reverse("insights:report_csv"), {"start": "2031-05-01", "end": "2031-06-01"})
    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/csv")
    rows = dict(list(csv.reader(io.StringIO(answer.content.decode())))[1:])
    assert rows["member_sales"] == "3400000"
    assert rows["points_outstanding"] == "85"  # the month is in the future yet: what members hold now
