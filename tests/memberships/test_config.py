"""The `memberships` section: checked with errors naming the JSON path, applied by code, exported round-trip."""

from __future__ import annotations

import pytest

from loyalty.errors import ConfigurationError
from loyalty.services.config import config_import
from loyalty.services.config_export import config_export
from memberships.models import MembershipPlan

from .conftest import WASH_PACK, box_plan, vip_document, vip_plan

pytestmark = pytest.mark.django_db


def test_the_section_round_trips(vip):
    exported = config_export(vip)["memberships"]
    assert exported[0] == vip_plan() | {"benefits": vip_plan()["benefits"] | {"member_rewards": [], "allowances": []}}
    assert config_export(vip)["packs"] == [WASH_PACK]
    assert exported[1]["code"] == "box" and exported[1]["benefits"]["member_rewards"] == ["vip-cake"]
    again = config_export(config_import(config_export(vip) | {"merchant": config_export(vip)["merchant"]}, update=True))
    assert again["memberships"] == exported


@pytest.mark.parametrize(
    ("plan", "message"),
    [
        (vip_plan(period="week"), "memberships[0].period: must be one of month, year"),
        (vip_plan(prices=[]), "memberships[0].prices: at least one price is needed"),
        (vip_plan(prices=[{"min_points": 1000, "price": "88"}]), "memberships[0].prices[0]: the last price must"),
        (vip_plan(prices=[{"price": "abc"}]), "memberships[0].prices[0].price"),
        (vip_plan(prices=[{"tier": "gold", "price": "1"}, {"price": "2"}]), "memberships[0].prices[0].tier: no tier"),
        (vip_plan(benefits={"discount_percent": "120"}), "memberships[0].benefits.discount_percent: must be at most"),
        (vip_plan(benefits={"monthly_rewards": ["nope"]}), "memberships[0].benefits.monthly_rewards[0]: no reward"),
        (vip_plan(colour="gold"), "memberships[0].colour: is not a known key"),
        (vip_plan(code="no spaces"), "memberships[0].code"),
        (vip_plan(benefits={"allowances": [{"code": "wash"}]}), "memberships[0].benefits.allowances[0].per_month: is"),
    ],
)
def test_errors_name_the_json_path(db, plan, message):
    with pytest.raises(ConfigurationError, match=message.replace("[", r"\[").replace("]", r"\]")):
        config_import(vip_document("bad", plans=[plan]))


def test_two_plans_with_one_code_are_refused(db):
    with pytest.raises(ConfigurationError, match=r"memberships\[1\].code: '88vip' appears twice"):
        config_import(vip_document("twice", plans=[vip_plan(), vip_plan()]))


def test_a_plan_left_out_is_made_inactive_not_deleted(vip):
    document = config_export(vip)
    document["memberships"] = [box_plan()]
    config_import(document, update=True)
    assert dict(MembershipPlan.objects.filter(shop=vip).values_list("code", "active")) == {"88vip": False, "box": True}
    assert [p["code"] for p in config_export(vip)["memberships"]] == ["box"]


def test_a_pack_needs_its_uses_and_price(db):
    document = vip_document("packless")
    document["packs"] = [{"code": "wash-10", "name": "Washes", "uses": 0, "price": "1"}]
    with pytest.raises(ConfigurationError, match=r"packs\[0\].uses: must be at least 1"):
        config_import(document)
