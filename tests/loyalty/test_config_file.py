"""The configuration file: import, export, round trip, errors that name the JSON path, and the commands."""

import copy
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from loyalty.errors import ConfigurationError
from loyalty.models import Shop
from loyalty.services.config import config_import
from loyalty.services.config_export import config_export
from loyalty.services.templates import program_summary, program_template_apply, program_templates

from .documents import document, program, reward

FULL = document(
    "pho-linh",
    program(
        "40000",
        points_name="stars",
        pending_days=3,
        backdate_days=90,
        expiry={"policy": "months_after_earn_month", "months": 6},
        bonuses=[
            {"event": "signup", "points": 5},
            {"event": "newsletter_signup", "points": 3, "limit": {"count": 1, "per": "lifetime"}},
        ],
        category_multipliers=[{"category": "beans", "multiplier": "3"}],
        campaigns=[
            {
                "code": "double-tue",
                "name": "Double Tuesday",
                "multiplier": "2",
                "weekdays": [2],
                "hours": ["17:00", "19:00"],
                "starts": "2026-01-01",
                "ends": "2027-01-01",
                "categories": [],
                "tiers": ["gold"],
                "locations": ["main"],
                "payment_methods": ["ewallet"],
            }
        ],
        tiers={
            "basis": "points_earned",
            "window": "rolling_12_months",
            "downgrade_grace_days": 30,
            "levels": [
                {"code": "green", "name": "Green", "threshold": 0, "multiplier": "1", "discount_percent": "0"},
                {"code": "gold", "name": "Gold", "threshold": 300, "multiplier": "1.25", "discount_percent": "5"},
            ],
        },
        stamp_cards=[
            {
                "code": "coffee",
                "name": "Coffee card",
                "stamps_required": 10,
                "per": "item",
                "categories": ["coffee"],
                "min_spend": "0",
                "cooldown_minutes": 0,
                "reward": "free-coffee",
            }
        ],
        cashback={"percent": "2"},
    ),
    rewards=[
        reward("free-coffee", "free_item", 25, "45000"),
        reward(
            "welcome-10",
            "percent_off",
            0,
            "10",
            max_discount="50000",
            tiers=["gold"],
            stock=100,
            per_member_limit=1,
            refund_points_on_expiry=True,
        ),
    ],
)


def test_export_then_import_round_trips_to_an_equal_document(db):
    shop = config_import(copy.deepcopy(FULL))
    exported = config_export(shop)
    assert exported["program"]["campaigns"][0]["hours"] == ["17:00", "19:00"]
    assert exported["rewards"][1]["max_discount"] == "50000"
    again = copy.deepcopy(exported)
    config_import(again, update=True)
    assert config_export(Shop.objects.get(slug="pho-linh")) == exported


def test_an_existing_slug_is_refused_unless_update(db):
    config_import(copy.deepcopy(FULL))
    with pytest.raises(ConfigurationError, match=r"^merchant.slug: .*--update"):
        config_import(copy.deepcopy(FULL))


def test_update_keeps_members_on_their_tier(db):
    from tests.factories import enrol

    shop = config_import(copy.deepcopy(FULL))
    member = enrol(shop)
    changed = copy.deepcopy(FULL)
    changed["program"]["tiers"]["levels"][1]["threshold"] = 500
    config_import(changed, update=True)
    member.account.refresh_from_db()
    assert member.account.tier.code == "green"
    assert shop.program.tiers.get(code="gold").threshold == 500


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
        (
            ["program", "tiers", "levels", 1, "threshold"],
            "300",
            "program.tiers.levels[1].threshold: must be a whole number",
        ),
        (["program", "tiers", "levels", 1, "threshold"], 0, "program.tiers.levels[1].threshold: must be higher"),
        (["merchant", "currency"], "XX", "merchant.currency: must be an ISO 4217 code"),
        (["merchant", "timezone"], "Mars/Olympus", "merchant.timezone: must be an IANA time zone"),
        (["merchant", "language"], "de", "merchant.language: must be one of en, fa, vi"),
        (["merchant", "slug"], "Pho Linh", "merchant.slug: must be lower-case"),
        (["merchant", "name"], KeyError, "merchant.name: is required"),
        (["program", "earn", "per_amount"], "40000.5", "program.earn.per_amount: VND has 0 decimal places"),
        (["program", "earn", "per_amount"], "0", "program.earn.per_amount: must be greater than 0"),
        (["program", "earn", "rounding"], "sideways", "program.earn.rounding: must be one of down, nearest, up"),
        (["program", "earn", "colour"], "blue", "program.earn.colour: is not a known key"),
        (["program", "campaigns", 0, "weekdays"], [0], "program.campaigns[0].weekdays[0]: must be an ISO weekday"),
        (["program", "campaigns", 0, "hours"], ["19:00", "17:00"], "program.campaigns[0].hours: must be"),
        (["program", "campaigns", 0, "locations"], ["nowhere"], "program.campaigns[0].locations[0]: must be one of"),
        (["program", "campaigns", 0, "ends"], "2025-01-01", "program.campaigns[0].ends: must be after starts"),
        (["program", "expiry"], {"policy": "days_after_earn"}, "program.expiry.days: must be a whole number"),
        (["program", "bonuses", 1, "limit", "per"], "fortnight", "program.bonuses[1].limit.per: must be one of"),
        (["program", "stamp_cards", 0, "reward"], "nothing", "program.stamp_cards[0].reward: no reward with code"),
        (
            ["program", "stamp_cards", 0, "stamps_required"],
            0,
            "program.stamp_cards[0].stamps_required: must be at least 1",
        ),
        (["rewards", 1, "value"], "120", "rewards[1].value: must be a percentage"),
        (["rewards", 0, "kind"], "hug", "rewards[0].kind: must be one of"),
        (["rewards", 1, "code"], "free-coffee", "rewards[1].code: 'free-coffee' appears twice"),
        (["loyalty_club"], {"enabled": True}, "loyalty_club: is not a known key"),
    ],
)
def test_invalid_documents_name_the_json_path_and_change_nothing(db, path, value, message):
    with pytest.raises(ConfigurationError) as caught:
        config_import(broken(path, value))
    assert caught.value.message.startswith(message), caught.value.message
    assert not Shop.objects.exists()


def test_program_import_and_export_commands(db, tmp_path, capsys):
    source = tmp_path / "shop.json"
    source.write_text(json.dumps(FULL), encoding="utf-8")
    call_command("program_import", str(source))
    assert capsys.readouterr().out.strip().splitlines()[-1] == "pho-linh"
    call_command("program_export", "pho-linh")
    assert json.loads(capsys.readouterr().out) == config_export(Shop.objects.get())


def test_program_import_reports_bad_json_and_bad_values(db, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(CommandError, match="not valid JSON"):
        call_command("program_import", str(bad))
    bad.write_text(json.dumps(broken(["program", "pending_days"], -1)), encoding="utf-8")
    with pytest.raises(CommandError, match=r"program.pending_days: must be at least 0"):
        call_command("program_import", str(bad))


def test_a_usd_shop_respects_cents(db):
    doc = document("usd-shop", program("1.00", point_value="0.01"))
    doc["merchant"].update(country="US", currency="USD", timezone="America/New_York")
    shop = config_import(doc)
    assert config_export(shop)["program"]["earn"]["per_amount"] == "1.00"
    doc["program"]["point_value"] = "0.001"
    with pytest.raises(ConfigurationError, match="program.point_value: USD has 2 decimal places"):
        config_import(doc, update=True)


@pytest.mark.parametrize("template", [t.code for t in program_templates()])
def test_every_shipped_template_applies_and_reads_in_plain_words(shop, template):
    program_template_apply(shop=shop, code=template)
    summary = program_summary(Shop.objects.get(pk=shop.pk))
    assert summary and all(isinstance(line, str) and line for line in summary)


def test_templates_scale_amounts_to_the_shops_currency(db):
    doc = document("usd-cafe", program("1.00"))
    doc["merchant"].update(country="US", currency="USD", timezone="America/New_York")
    shop = config_import(doc)
    program_template_apply(shop=shop, code="coffee-stars")
    exported = config_export(Shop.objects.get(pk=shop.pk))
    assert exported["program"]["earn"]["per_amount"] == "3.56"  # 40,000 VND at a 45,000 VND coffee → 4 USD


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("vi", "program.expiry.days: phải là số nguyên"),
        ("fa", "program.expiry.days: باید عدد صحیح باشد"),
        ("en", "program.expiry.days: must be a whole number"),
    ],
)
def test_errors_speak_the_readers_language_and_keep_the_json_path(db, language, expected):
    """The portal shows these to the owner in their language; the path is the JSON they edit and stays as written.
    Fails if the reader's messages lose their gettext (English for every shop, as before)."""
    from django.utils import translation

    with translation.override(language), pytest.raises(ConfigurationError) as caught:
        config_import(broken(["program", "expiry"], {"policy": "days_after_earn"}))
    assert caught.value.message == expected
