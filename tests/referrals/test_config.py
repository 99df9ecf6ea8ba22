"""The `referral` section of the configuration file: defaults, errors naming the JSON path, export round-trip."""

from __future__ import annotations

import pytest

from loyalty.errors import ConfigurationError
from loyalty.services.config import config_import
from loyalty.services.config_export import config_export
from referrals.models import ReferralProgram

from .conftest import referral_document


def test_the_section_round_trips_with_every_key(db):
    shop = config_import(referral_document("round", leaderboard=True))
    exported = config_export(shop)["referral"]
    assert exported == {
        "enabled": True,
        "referee_reward": "welcome-10",
        "referrer_points": 0,
        "review_days": 14,
        "max_per_week": 100,
        "milestones": [
            {"count": 5, "reward": "shave-cream"},
            {"count": 10, "reward": "razor"},
            {"count": 25, "reward": "premium-razor"},
            {"count": 50, "reward": "year-of-shaves"},
        ],
        "leaderboard": True,
    }
    again = config_import({**config_export(shop)}, update=True)
    assert config_export(again)["referral"] == exported


def test_left_out_keys_take_their_defaults(db):
    doc = referral_document("defaults")
    doc["referral"] = {}
    exported = config_export(config_import(doc))["referral"]
    assert exported == {
        "enabled": True, "referee_reward": None, "referrer_points": 0, "review_days": None, "max_per_week": None,
        "milestones": [], "leaderboard": False,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"referee_reward": "nope"}, "referral.referee_reward: no reward with code 'nope' in rewards"),
        ({"referrer_points": -1}, "referral.referrer_points: must be at least 0"),
        ({"max_per_week": 0}, "referral.max_per_week: must be at least 1"),
        ({"review_days": "14"}, "referral.review_days: must be a whole number"),
        ({"milestones": [{"count": 0, "reward": "razor"}]}, "referral.milestones[0].count: must be at least 1"),
        ({"milestones": [{"count": 5, "reward": "razor"}, {"count": 5, "reward": "razor"}]},
         "referral.milestones[1].count: 5 appears twice"),
        ({"milestones": [{"count": 5}]}, "referral.milestones[0].reward: is required"),
        ({"milestones": [{"count": 5, "reward": "x"}]}, "referral.milestones[0].reward: no reward with code 'x'"),
        ({"bonus": 1}, "referral.bonus: is not a known key"),
        ({"enabled": "yes"}, "referral.enabled: must be true or false"),
    ],
)  # fmt: skip
def test_invalid_values_are_refused_naming_the_path_and_nothing_changes(db, section, message):
    doc = referral_document("invalid")
    doc["referral"] = section
    with pytest.raises(ConfigurationError) as refused:
        config_import(doc)
    assert message in str(refused.value)
    assert not ReferralProgram.objects.exists()


def test_an_update_without_the_section_stops_the_program(db):
    shop = config_import(referral_document("stop"))
    doc = referral_document("stop")
    del doc["referral"]
    config_import(doc, update=True)
    assert "referral" not in config_export(shop)
