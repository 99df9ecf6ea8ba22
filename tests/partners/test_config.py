"""The `partners` section of the configuration file (docs/partners.md): errors name the JSON path, export then
import round-trips, an update matches plans and partners by code and keeps what they earned."""

import copy
import json

import pytest
from django.core.management import call_command

from loyalty.errors import ConfigurationError
from loyalty.models import Shop
from loyalty.services.config import config_import
from loyalty.services.config_export import config_export
from partners.models import Commission, Partner, PartnerProgram, Plan

from .conftest import buy, customer, partner, partner_of, plan, usd_document, vnd_document

FULL = vnd_document(
    "partner-cafe",
    attribution="first_touch",
    plans=[
        plan("ban", name="Friends", percent="10", months=12, hold_days=14, min_payout="50000", cookie_days=60),
        plan("gym", kind="one_time", percent="25.5", levels=[{"sales": 5, "percent": "30"}]),
    ],
    partners=[
        partner(
            "BLOG-ANH",
            "ban",
            name="Anh ăn gì",
            email="anh@example.com",
            phone="+84912345678",
            payout={
                "method": "bank_transfer",
                "bank_bin": "970436",
                "account_number": "0071000123456",
                "account_name": "TRAN NGOC ANH",
                "details": "",
            },
        ),
        partner(
            "GYM1",
            "gym",
            name="Gym next door",
            email="",
            phone="",
            payout={
                "method": "other",
                "bank_bin": "",
                "account_number": "",
                "account_name": "",
                "details": "cash at the counter",
            },
        ),
    ],
)


def test_export_then_import_round_trips_to_an_equal_document(db):
    shop = config_import(copy.deepcopy(FULL))
    exported = config_export(shop)
    assert exported["partners"]["partners"] == FULL["partners"]["partners"]
    assert exported["partners"]["plans"][1]["levels"] == [{"sales": 5, "percent": "30"}]
    config_import(copy.deepcopy(exported), update=True)
    assert config_export(Shop.objects.get(slug="partner-cafe")) == exported


def test_defaults_are_written_out_by_the_export(db):
    shop = config_import(usd_document("defaults"))
    section = config_export(shop)["partners"]
    assert section["attribution"] == "last_touch"
    assert section["plans"][0] == {
        "code": "aff-30",
        "name": "",
        "kind": "recurring",
        "percent": "30",
        "months": None,
        "hold_days": 37,
        "min_payout": "0.00",
        "cookie_days": 30,
        "levels": [],
    }
    assert section["partners"][0]["payout"]["method"] == "bank_transfer"


def test_a_document_without_the_section_leaves_the_shop_without_a_partner_program(db):
    shop = config_import(copy.deepcopy(FULL))
    member = customer(shop, partner_code="BLOGANH")
    buy(shop, member, "100000")
    without = copy.deepcopy(FULL)
    del without["partners"]
    config_import(without, update=True)
    assert "partners" not in config_export(shop)
    assert not PartnerProgram.objects.filter(shop=shop).exists()
    assert not Partner.objects.filter(shop=shop, active=True).exists()
    assert Commission.objects.filter(partner__shop=shop).count() == 1, "what was earned stays"


def test_an_update_matches_by_code_and_makes_the_missing_inactive(db):
    shop = config_import(copy.deepcopy(FULL))
    anh = partner_of(shop, "BLOG-ANH")
    changed = copy.deepcopy(FULL)
    changed["partners"]["partners"] = [partner("bloganh", "gym", name="Anh (renamed)", email="anh@example.com")]
    changed["partners"]["plans"] = changed["partners"]["plans"][1:]
    config_import(changed, update=True)
    anh.refresh_from_db()
    assert (anh.name, anh.plan.code, anh.code, anh.active) == ("Anh (renamed)", "gym", "bloganh", True)
    assert not Partner.objects.get(shop=shop, key="GYM1").active
    assert not Plan.objects.get(shop=shop, code="ban").active
    assert [p["code"] for p in config_export(shop)["partners"]["plans"]] == ["gym"]


def broken(path: list, value):
    doc = copy.deepcopy(FULL)
    target = doc
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return doc


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (["partners", "colour"], "blue", "partners.colour: is not a known key"),
        (["partners", "attribution"], "any", "partners.attribution: must be one of first_touch, last_touch"),
        (["partners", "plans", 0, "kind"], "weekly", "partners.plans[0].kind: must be one of one_time, recurring"),
        (["partners", "plans", 0, "percent"], "101", "partners.plans[0].percent: must be at most 100"),
        (["partners", "plans", 0, "percent"], "-1", "partners.plans[0].percent: must be at least 0"),
        (["partners", "plans", 0, "percent"], KeyError, "partners.plans[0].percent: is required"),
        (["partners", "plans", 0, "months"], 0, "partners.plans[0].months: must be at least 1"),
        (["partners", "plans", 0, "hold_days"], "14", "partners.plans[0].hold_days: must be a whole number"),
        (["partners", "plans", 0, "min_payout"], "50000.5", "partners.plans[0].min_payout: VND has 0 decimal places"),
        (["partners", "plans", 0, "cookie_days"], 0, "partners.plans[0].cookie_days: must be at least 1"),
        (["partners", "plans", 1, "code"], "ban", "partners.plans[1].code: 'ban' is the same code as an earlier one"),
        (["partners", "plans", 1, "levels"], [{"sales": 1, "percent": "5"}], "partners.plans[1].levels[0].sales"),
        (
            ["partners", "plans", 1, "levels"],
            [{"sales": 5, "percent": "30"}, {"sales": 5, "percent": "40"}],
            "partners.plans[1].levels[1].sales: must be a whole number above 5",
        ),
        (
            ["partners", "plans", 1, "levels"],
            [{"sales": 5, "percent": "300"}],
            "partners.plans[1].levels[0].percent: must be between",
        ),
        (["partners", "plans", 1, "levels"], [{"sales": 5}], 'partners.plans[1].levels[0]: must be {"sales"'),
        (["partners", "partners", 0, "plan"], "vip", "partners.partners[0].plan: no plan with code 'vip'"),
        (["partners", "partners", 0, "code"], "BLOG ANH", "partners.partners[0].code: must be letters, digits"),
        (["partners", "partners", 1, "code"], "blog-anh", "partners.partners[1].code: 'blog-anh' is the same code"),
        (["partners", "partners", 0, "email"], "anh", "partners.partners[0].email: must be an email address"),
        (["partners", "partners", 0, "phone"], "12", "partners.partners[0].phone: not a valid phone number"),
        (["partners", "partners", 0, "payout", "method"], "cash", "partners.partners[0].payout.method: must be one of"),
        (["partners", "partners", 0, "payout", "bank_bin"], "9704", "partners.partners[0].payout.bank_bin: must be"),
        (
            ["partners", "partners", 0, "payout", "account_number"],
            "0071-000",
            "partners.partners[0].payout.account_number: must be at most 19 letters and digits",
        ),
        (["partners", "partners", 0, "name"], "  ", "partners.partners[0].name: must not be empty"),
    ],
)
def test_errors_name_the_json_path(db, path, value, message):
    with pytest.raises(ConfigurationError) as error:
        config_import(broken(path, value))
    assert str(error.value).startswith(message), str(error.value)
    assert not Shop.objects.filter(slug="partner-cafe").exists(), "an invalid file changes nothing"


def test_the_import_command_takes_the_section(db, tmp_path, capsys):
    path = tmp_path / "shop.json"
    path.write_text(json.dumps(usd_document("by-command")))
    call_command("program_import", str(path))
    assert capsys.readouterr().out.strip().splitlines()[-1] == "by-command"
    call_command("program_export", "by-command")
    assert json.loads(capsys.readouterr().out)["partners"]["partners"][0]["code"] == "KAJ30"


def test_a_partners_code_cannot_change_once_customers_are_bound(db):
    shop = config_import(copy.deepcopy(FULL))
    customer(shop, partner_code="GYM1")
    changed = copy.deepcopy(FULL)
    changed["partners"]["partners"][1]["code"] = "GYM-1"  # the same normalised code: fine
    config_import(changed, update=True)
    assert partner_of(shop, "GYM-1").key == "GYM1"
