"""The configuration's history: each change is a version with who and when, shown as a readable diff; restoring a
version brings the configuration back exactly, as a new version."""

from __future__ import annotations

from django.urls import reverse

from loyalty.portal.models import ConfigVersion
from loyalty.portal.versions import document_diff, version_record, version_restore
from loyalty.services.config_export import config_export
from loyalty.services.templates import program_template_apply

HISTORY = reverse("portal:program_history")


def version_url(version, name="portal:program_version") -> str:
    return reverse(name, kwargs={"version_id": version.pk})


def test_the_diff_names_each_changed_path_and_compares_lists_by_code():
    before = {"program": {"earn": {"points": 1}, "tiers": {"levels": [{"code": "a", "threshold": 0}]}}}
    after = {
        "program": {
            "earn": {"points": 2},
            "tiers": {"levels": [{"code": "a", "threshold": 0}, {"code": "b", "threshold": 300}]},
        },
        "rewards": [],
    }
    assert document_diff(before, after) == [
        ("program.earn.points", "1", "2"),
        ("program.tiers.levels[b]", "", '{"code": "b", "threshold": 300}'),
        ("rewards", "", "[]"),
    ]


def test_an_unchanged_configuration_makes_no_new_version(shop, owner):
    assert version_record(shop=shop, by=owner, note="file").number == 1
    assert version_record(shop=shop, by=owner, note="file") is None


def test_restoring_brings_back_exactly_the_old_configuration_as_a_new_version(shop, owner):
    first = version_record(shop=shop, by=owner, note="before")
    original = config_export(shop)
    program_template_apply(shop=shop, code="coffee-stars")
    second = version_record(shop=shop, by=owner, note="template:coffee-stars")
    assert config_export(shop) != original
    restored = version_restore(version=first, by=owner)
    shop.refresh_from_db()
    assert config_export(type(shop).objects.get(pk=shop.pk)) == original
    assert (restored.number, restored.note) == (3, "restore:1")
    assert second.number == 2


def test_the_pages_list_versions_show_the_diff_and_restore(owner_client, shop, owner):
    first = version_record(shop=shop, by=owner, note="before")
    owner_client.post(reverse("portal:start"), {"template": "coffee-stars"})
    latest = ConfigVersion.objects.get(number=2)
    listing = owner_client.get(HISTORY).content.decode()
    assert "Version 2" in listing and "Template “coffee-stars” applied" in listing and owner.email in listing
    detail = owner_client.get(version_url(latest)).content.decode()
    assert "program.expiry.policy" in detail and "months_after_earn_month" in detail
    assert "Restore this version" not in detail  # it is the current one
    response = owner_client.post(version_url(first, "portal:program_version_restore"))
    assert response.status_code == 302
    assert config_export(type(shop).objects.get(pk=shop.pk)) == first.document
    assert ConfigVersion.objects.filter(shop=shop).count() == 3


def test_cashiers_see_no_history(as_user, cashier):
    assert as_user(cashier).get(HISTORY).status_code == 403
