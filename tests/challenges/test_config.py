"""The `challenges`, `impact`, `surprises` and `community` sections: export then import round-trips to an equal
document, and every wrong value is refused naming its JSON path."""

from __future__ import annotations

import copy

import pytest
from django.apps import apps

from challenges.models import Challenge, Surprise
from loyalty.errors import ConfigurationError
from loyalty.services.config import config_import
from loyalty.services.config_export import config_export

from .conftest import challenge, fun_document

SECTIONS = ("challenges", "impact", "surprises", "community")


def full_document(slug: str = "roundtrip") -> dict:
    spend = challenge("big-spender", "spend", "500000", reward="free-coffee", badge="", points=0)
    streak = challenge("four-weeks", "streak", 4, tiers=[])
    items = challenge("taster", "distinct_items", 3, badge="Taster")
    items["goal"]["categories"] = ["coffee", "tea"]
    return fun_document(
        slug,
        challenges=[spend, streak, challenge(), items],
        impact={"name": "Trees planted", "unit": "trees", "per": "amount", "quantity": "0.5", "per_amount": "100000",
                "per_donation": "1"},
        surprises=[{"code": "pastry", "name": "Surprise pastry", "one_in": 20, "reward": "pastry",
                    "min_spend": "30000"}],
        community={"badges": True, "ideas": True,
                   "leaderboard": {"enabled": True,
                                   "prizes": [{"board": "visits", "place": 1, "reward": "free-coffee"}]}},
    )  # fmt: skip


def test_export_then_import_round_trips_to_an_equal_document(db):
    document = full_document()
    shop = config_import(copy.deepcopy(document))
    exported = config_export(shop)
    assert {key: exported[key] for key in SECTIONS} == {key: document[key] for key in SECTIONS}
    exported["merchant"]["slug"] = "roundtrip-2"
    again = config_export(config_import(copy.deepcopy(exported)))
    assert {key: again[key] for key in SECTIONS} == {key: exported[key] for key in SECTIONS}


def test_the_specs_example_imports(db):
    document = fun_document("spec", challenges=[{
        "code": "march-regular", "name": "Visit 5 times in March", "goal": {"kind": "visits", "target": 5},
        "starts": "2027-03-01", "ends": "2027-04-01", "points": 20, "reward": None, "badge": "Regular", "tiers": [],
    }], impact={"name": "Trees planted", "unit": "tree", "per": "purchase", "quantity": "0.1"})  # fmt: skip
    shop = config_import(document)
    exported = config_export(shop)
    assert exported["impact"] == {"name": "Trees planted", "unit": "tree", "per": "purchase", "quantity": "0.1",
                                  "per_donation": "1"}  # fmt: skip
    assert exported["challenges"][0]["goal"] == {"kind": "visits", "target": 5, "categories": []}


def test_an_update_leaving_a_challenge_out_makes_it_inactive_not_deleted(db):
    shop = config_import(full_document("update"))
    document = full_document("update")
    document["challenges"] = document["challenges"][:1]
    document.pop("surprises")
    config_import(document, update=True)
    assert Challenge.objects.filter(shop=shop).count() == 4
    assert list(Challenge.objects.filter(shop=shop, active=True).values_list("code", flat=True)) == ["big-spender"]
    assert not Surprise.objects.filter(shop=shop, active=True).exists()
    exported = config_export(shop)
    assert [c["code"] for c in exported["challenges"]] == ["big-spender"] and "surprises" not in exported


def _with(path_value) -> dict:
    document = full_document("broken")
    section, index, key, value = path_value
    target = document[section] if index is None else document[section][index]
    if "." in key:
        outer, inner = key.split(".")
        target[outer][inner] = value
    else:
        target[key] = value
    return document


@pytest.mark.parametrize(
    "change, message",
    [
        (("challenges", 0, "goal.target", "12.5"), "challenges[0].goal.target: VND has 0 decimal places"),
        (("challenges", 1, "goal.target", 0), "challenges[1].goal.target: must be at least 1"),
        (("challenges", 1, "goal.kind", "dances"), "challenges[1].goal.kind: must be one of"),
        (("challenges", 2, "ends", "2031-03-01"), "challenges[2].ends: must be a date after starts"),
        (("challenges", 2, "reward", "caviar"), "challenges[2].reward: no reward with code 'caviar' in rewards"),
        (("challenges", 2, "tiers", ["gold"]), "challenges[2].tiers[0]: must be one of"),
        (("challenges", 2, "colour", "red"), "challenges[2].colour: is not a known key"),
        (("challenges", 3, "code", "Taster!"), "challenges[3].code: must be lower-case letters"),
        (("challenges", 3, "code", "march-regular"), "challenges[3].code: 'march-regular' appears twice"),
        (("impact", None, "per", "hug"), "impact.per: must be one of"),
        (("impact", None, "per_amount", None), "impact.per_amount: is required when per is amount"),
        (("impact", None, "quantity", "0"), "impact.quantity: must be greater than 0"),
        (("impact", None, "quantity", "0.00001"), "impact.quantity: must have at most four decimal places"),
        (("surprises", 0, "one_in", 1), "surprises[0].one_in: must be at least 2"),
        (("surprises", 0, "reward", "caviar"), "surprises[0].reward: no reward with code 'caviar' in rewards"),
        (("community", None, "leaderboard.prizes", [{"place": 0, "reward": "pastry"}]),
         "community.leaderboard.prizes[0].place: must be at least 1"),
    ],
)  # fmt: skip
def test_a_wrong_value_is_refused_naming_its_path(db, change, message):
    with pytest.raises(ConfigurationError) as error:
        config_import(_with(change))
    assert str(error.value).startswith(message), str(error.value)


def test_a_missing_goal_is_refused(db):
    document = full_document("no-goal")
    del document["challenges"][0]["goal"]
    with pytest.raises(ConfigurationError, match=r"^challenges\[0\].goal: is required"):
        config_import(document)


def test_a_referrals_goal_round_trips_and_needs_the_referral_program_installed(db, monkeypatch):
    document = fun_document("friends", challenges=[challenge("bring-friends", "referrals", 3)])
    shop = config_import(copy.deepcopy(document))
    assert config_export(shop)["challenges"] == document["challenges"]

    monkeypatch.setattr(apps, "is_installed", lambda name: name != "referrals")
    with pytest.raises(ConfigurationError, match=r"challenges\[0\]\.goal\.kind: referral goals need the referral"):
        config_import(fun_document("lonely", challenges=[challenge("bring-friends", "referrals", 3)]))
