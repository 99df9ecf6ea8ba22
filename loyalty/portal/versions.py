"""The history of a shop's configuration: every change the portal makes (a template, a file, an editor, a
restore) is kept as a version of the whole document (spec/program-config.md), with who and when; two versions
compare as a readable list of what changed, and any version can be restored, which is itself a new version.
A change applies from the moment it is saved and never rewrites the past (the ledger keeps what was earned)."""

from __future__ import annotations

import json

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from loyalty.services.config import config_import
from loyalty.services.config_export import config_export

from .models import ConfigVersion


@transaction.atomic
def version_record(*, shop, by, note: str) -> ConfigVersion | None:
    """Keep the shop's configuration as it is now, unless it equals the last version kept."""
    document = config_export(shop)
    last = ConfigVersion.objects.filter(shop=shop).select_for_update().order_by("-number").first()
    if last is not None and last.document == document:
        return None
    number = (last.number if last else 0) + 1
    return ConfigVersion.objects.create(
        shop=shop, number=number, document=document, note=note[:200], by=by, at=timezone.now()
    )


def version_baseline(*, shop) -> None:
    """Before the first change the portal makes, keep the configuration as it was (imported from a file or left
    as created), so the first change can be undone too."""
    if not ConfigVersion.objects.filter(shop=shop).exists():
        version_record(shop=shop, by=None, note="before")


@transaction.atomic
def version_restore(*, version: ConfigVersion, by) -> ConfigVersion:
    """Make the shop's configuration what the version says (the same import path as a file), as a new version."""
    config_import(version.document, update=True)
    shop = type(version.shop).objects.select_related("program").get(pk=version.shop_id)
    return version_record(shop=shop, by=by, note=f"restore:{version.number}") or version


def versions_numbers(shop) -> int:
    return ConfigVersion.objects.filter(shop=shop).aggregate(n=Max("number"))["n"] or 0


def document_diff(before: dict | None, after: dict) -> list[tuple[str, str, str]]:
    """What changed between two documents, as (JSON path, before, after) with values written as JSON; lists of
    objects with a `code` are compared by code, so adding one tier does not show every later tier as changed."""
    changes: list[tuple[str, str, str]] = []
    _diff("", before if before is not None else {}, after, changes)
    return changes


def _text(value) -> str:
    return "" if value is _MISSING else json.dumps(value, ensure_ascii=False, sort_keys=True)


_MISSING = object()


def _diff(path: str, before, after, changes: list) -> None:
    if isinstance(before, dict) and isinstance(after, dict):
        for key in [*before, *(k for k in after if k not in before)]:
            _diff(f"{path}.{key}" if path else key, before.get(key, _MISSING), after.get(key, _MISSING), changes)
    elif _coded(before) and _coded(after):
        old, new = {item["code"]: item for item in before}, {item["code"]: item for item in after}
        for code in [*old, *(c for c in new if c not in old)]:
            _diff(f"{path}[{code}]", old.get(code, _MISSING), new.get(code, _MISSING), changes)
    elif before != after:
        changes.append((path, _text(before), _text(after)))


def _coded(value) -> bool:
    return isinstance(value, list) and all(isinstance(item, dict) and "code" in item for item in value)
