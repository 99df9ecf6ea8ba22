"""The till API's tenant walk, generated from its own OpenAPI document (/api/v1/openapi.json): every operation,
with each identifier it takes (in the path, the query or the body) set in turn to an object of another shop, the
rest to the caller's own, must answer 404 (or 422 naming that field) and change no table. As a control, the same
request with only the caller's own objects must not be 404, so a 404 means "not yours" rather than "no such
path". A new parameter or body field the walk has no maker (identifier) or value (anything else) for fails the
coverage test, as the portal's walk does.

Breaking it on purpose: scoping member_get (loyalty/services/members.py) to any shop's members, or dropping
`shop=request.auth.shop` from the pack lookup in memberships/api.py, fails the operations concerned."""

from __future__ import annotations

import uuid
from decimal import Decimal
from itertools import count

import pytest
from django.test import Client

from loyalty.models import Role, Shop
from loyalty.services.api_keys import api_key_create
from rewards.services import voucher_issue
from tests.factories import LocationFactory, ProgramFactory, enrol, next_phone
from tests.memberships import url_objects as membership_objects
from tests.partners import url_objects as partner_objects
from tests.portal import test_tenant_isolation as portal_walk
from tests.test_role_walk import row_counts

OPENAPI = "/api/v1/openapi.json"
numbers = count(1)
# The answer kept for an Idempotency-Key is stored whatever it is (a 404 too), so a replay answers the same.
NOT_WATCHED = {"loyalty.IdempotencyRecord"}
# Identifiers whose number space is shared by every shop, so another shop's cannot be taken as new: the refusal
# is the one a card of another member of the caller's own shop gets (409 naming the field), telling nothing of
# which shop holds it.
IN_USE_ELSEWHERE = {"body:card_number": "card_in_use"}
# A value naming nothing at all, for the answer a foreign identifier must be indistinguishable from.
MISSING = "NOPE-9999"


def _reward(shop: Shop):
    from rewards.models import Reward

    return Reward.objects.filter(shop=shop).first() or portal_walk._reward(shop)


def _voucher(shop: Shop) -> str:
    """An issued, unused voucher of a member of the shop (the walk's member, so a body naming both agrees)."""
    return voucher_issue(reward=_reward(shop), member=_member(shop), source="manual").code


def _member(shop: Shop):
    """The shop's walk member, with a card, made once per shop."""
    from loyalty.models import Member

    return Member.objects.filter(shop=shop, name="Walk member").first() or enrol(shop, name="Walk member")


def _coalition(shop: Shop) -> str:
    """A coalition of the shop with one other VND shop; its code."""
    from loyalty.services.config import document_import

    partner = ProgramFactory(shop__currency=shop.currency).shop
    code = f"walk-{shop.pk}"
    document_import(
        {
            "coalition": {
                "code": code, "name": "Walk", "points_name": "points", "currency": shop.currency,
                "settlement_period": "month",
                "members": [
                    {"merchant": s.slug, "cost_per_point": "100", "reimbursement_per_point": "90"}
                    for s in (shop, partner)
                ],
            }
        }
    )  # fmt: skip
    return code


def _pack(shop: Shop):
    from memberships.models import Pack
    from memberships.services.packs import pack_save

    membership_objects._plan(shop)
    existing = Pack.objects.filter(shop=shop, code="walk-pack").first()
    return existing or pack_save(shop=shop, code="walk-pack", name="Walk pack", uses=3, price=Decimal(10))


def _pack_purchase(shop: Shop) -> str:
    from memberships.services.packs import pack_buy

    return str(pack_buy(member=_member(shop), pack_code=_pack(shop).code, amount_paid=Decimal(10)).pk)


def _spare_card(shop: Shop) -> str:
    """A printed card of the shop not yet given to anyone."""
    from loyalty.services.printing import card_batch_print

    return card_batch_print(shop=shop, count=1).cards[0].number


# An identifier, by where it is ("path:", "query:", "body:") and its name (a path's `code` by the collection before
# it): how to name an object of the given shop.
MAKERS = {
    "path:member_id": lambda shop: str(_member(shop).pk),
    "path:purchase_id": lambda shop: str(portal_walk._purchase(shop).pk),
    "path:vouchers/code": _voucher,
    "path:partners/code": lambda shop: partner_objects._partner(shop).code,
    "path:payout_id": lambda shop: str(partner_objects._payout(shop).pk),
    "path:pack_id": _pack_purchase,
    "query:member": lambda shop: str(_member(shop).pk),
    "query:q": lambda shop: _member(shop).cards.get().number,
    "query:plan": lambda shop: membership_objects._plan(shop).code,
    "body:member": lambda shop: str(_member(shop).pk),
    "body:member_lookup": lambda shop: _member(shop).cards.get().number,
    "body:reward": lambda shop: _reward(shop).code,
    "body:plan": lambda shop: membership_objects._plan(shop).code,
    "body:pack": lambda shop: _pack(shop).code,
    "body:purchase": lambda shop: str(portal_walk._purchase(shop).pk),
    "body:voucher_codes": lambda shop: [_voucher(shop)],
    "body:partner_code": lambda shop: partner_objects._partner(shop).code,
    "body:referral_code": lambda shop: enrol(shop).referral_code,
    "body:location": lambda shop: shop.locations.first().code,
    "body:card_number": lambda shop: _spare_card(shop),
    "path:coalitions/code": lambda shop: _coalition(shop),
    "query:location": lambda shop: LocationFactory(shop=shop).code,
}

# Everything else an operation takes: a valid value of the caller's own, used when the field is required.
VALUES = {
    "query:limit": lambda: 10,
    "path:image_format": lambda: "svg",
    "body:phone": next_phone,
    "body:name": lambda: "Walker",
    "body:email": lambda: "walker@example.com",
    "body:birthday": lambda: "1990-05-01",
    "body:marketing_consent": lambda: False,
    "body:points": lambda: 1,
    "body:reason": lambda: "walk",
    "body:amount": lambda: "1000",
    "body:items": lambda: None,
    "body:occurred_at": lambda: None,
    "body:payment_method": lambda: None,
    "body:points_redeemed": lambda: 0,
    "body:wallet_redeemed": lambda: "0",
    "body:external_id": lambda: f"walk-{next(numbers)}",
    "body:event": lambda: "newsletter_signup",
    "body:reference": lambda: "walk",
    "body:amount_paid": lambda: "100",
    "body:payment_reference": lambda: None,
    "body:at_once": lambda: True,
    "body:refund": lambda: False,
    "query:from": lambda: None,
    "query:to": lambda: None,
    "query:period": lambda: "2026-01",
}


def schema() -> dict:
    from loyalty.api import api

    return api.get_openapi_schema(path_prefix="/api/v1/")


def body_schema(document: dict, operation: dict) -> dict:
    """The JSON body's object schema (refs and `anyOf: [X, null]` resolved), or {} for an operation without one."""
    found = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    while found and "$ref" not in found and "anyOf" in found:
        found = next(option for option in found["anyOf"] if option.get("type") != "null")
    if not found:
        return {}
    return document["components"]["schemas"][found["$ref"].rsplit("/", 1)[-1]]


def slot(path: str, name: str, where: str) -> str:
    if where == "path" and name == "code":
        return f"path:{path.split('/{code}')[0].rsplit('/', 1)[-1]}/code"
    return f"{where}:{name}"


def operations() -> list[tuple[str, str, dict]]:
    document = schema()
    return [
        (method.upper(), path, {"document": document, "operation": operation})
        for path, entries in document["paths"].items()
        for method, operation in entries.items()
        if path != OPENAPI
    ]


OPERATIONS = operations()


def slots_of(path: str, spec: dict) -> list[tuple[str, bool]]:
    """(slot, required) of every parameter and body field of an operation."""
    found = [
        (slot(path, p["name"], p["in"]), p.get("required", False)) for p in spec["operation"].get("parameters", [])
    ]
    body = body_schema(spec["document"], spec["operation"])
    required = set(body.get("required", ()))
    found += [(f"body:{name}", name in required) for name in body.get("properties", {})]
    return found


def test_every_parameter_has_a_maker_or_a_value():
    """Fails for a new parameter or body field: an identifier goes in MAKERS, anything else in VALUES."""
    problems = [
        f"{method} {path}: add {name} to MAKERS (an identifier) or VALUES"
        for method, path, spec in OPERATIONS
        for name, _ in slots_of(path, spec)
        if name not in MAKERS and name not in VALUES
    ]
    assert not problems, "\n".join(problems)


def test_the_walk_sees_every_apps_operations():
    paths = {path for _, path, _ in OPERATIONS}
    assert {
        "/api/v1/members/{member_id}",
        "/api/v1/vouchers/{code}/use",
        "/api/v1/partners/{code}/payouts",
        "/api/v1/members/{member_id}/referrals",
        "/api/v1/packs/{pack_id}/uses",
    } <= paths


def request_of(method, path, spec, ours: Shop, theirs: Shop | None, foreign: str | None):
    """The URL, query and body (identifiers of `ours`, but `foreign` of `theirs`; required plain values) and the
    value sent for `foreign`."""
    url, query, body, sent = path, {}, {}, None
    for name, required in slots_of(path, spec):
        where, field = name.split(":", 1)
        field = field.rsplit("/", 1)[-1]
        if name in MAKERS:
            if not includes(name, required, foreign):
                continue
            value = MAKERS[name](theirs if name == foreign else ours)
            sent = value if name == foreign else sent
        elif required:
            value = VALUES[name]()
        else:
            continue
        if where == "path":
            url = url.replace("{" + field + "}", str(value))
        elif where == "query":
            query[field] = value
        else:
            body[field] = value
    return url, query, body, sent


def includes(name: str, required: bool, foreign: str | None) -> bool:
    """Path parameters, required identifiers, the one walked, and the member (by `member`, or by `member_lookup`
    when that is the one walked)."""
    if name == foreign:
        return True
    if name == "body:member_lookup" or (name == "body:member" and foreign == "body:member_lookup"):
        return False
    return required or name.startswith("path:") or name in ("body:member", "query:member")


@pytest.fixture
def shops(db):
    ours, theirs = (ProgramFactory().shop for _ in range(2))
    for shop in (ours, theirs):
        LocationFactory(shop=shop)
    return Shop.objects.get(pk=ours.pk), Shop.objects.get(pk=theirs.pk)


def call(client: Client, key: str, method: str, url: str, query: dict, body: dict):
    headers = {"Authorization": f"Bearer {key}"}
    if method == "GET":
        return client.get(url, query, headers=headers)
    headers["Idempotency-Key"] = f"walk-{uuid.uuid4().hex}"
    target = url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")
    return client.post(target, body or None, content_type="application/json", headers=headers)


def names_the_field(response, field: str, status: int = 422) -> bool:
    return response.status_code == status and field in response.json().get("error", {}).get("fields", {})


def refused_as_in_use(response, foreign: str, field: str) -> bool:
    return (
        foreign in IN_USE_ELSEWHERE
        and names_the_field(response, field, 409)
        and (error_code(response) == IN_USE_ELSEWHERE[foreign])
    )


def answer(response, value) -> tuple[int, bytes]:
    """Status and body with the identifier sent replaced, so two answers compare on what they say about it."""
    text = response.content
    for each in value if isinstance(value, list) else [value]:
        text = text.replace(str(each).encode(), MISSING.encode())
    return response.status_code, text


def with_missing(body: dict, query: dict, url: str, foreign: str, value) -> tuple[str, dict, dict]:
    where, field = foreign.split(":", 1)
    field = field.rsplit("/", 1)[-1]
    missing = [MISSING] if isinstance(value, list) else MISSING
    if where == "body":
        return url, query, {**body, field: missing}
    if where == "query":
        return url, {**query, field: missing}, body
    return url.replace(f"/{value}", f"/{MISSING}", 1), query, body


def counts() -> dict[str, int]:
    return {table: rows for table, rows in row_counts().items() if table not in NOT_WATCHED}


def cases() -> list:
    return [
        pytest.param(method, path, spec, name, id=f"{method} {path} {name}")
        for method, path, spec in OPERATIONS
        for name, _ in slots_of(path, spec)
        if name in MAKERS
    ]


@pytest.mark.parametrize(("method", "path", "spec", "foreign"), cases())
def test_another_shops_id_is_404(method, path, spec, foreign, shops):
    ours, theirs = shops
    _, key = api_key_create(shop=ours, role=Role.MANAGER)
    client = Client()
    url, query, body, value = request_of(method, path, spec, ours, theirs, foreign)
    before = counts()
    response = call(client, key, method, url, query, body)
    after = counts()
    field = foreign.split(":", 1)[1].rsplit("/", 1)[-1]
    if not (
        response.status_code == 404 or names_the_field(response, field) or refused_as_in_use(response, foreign, field)
    ):
        # Some operations take an unknown identifier in their stride (a quote says a voucher is not valid, a
        # partner code names no one): another shop's must then read exactly as one that names nothing.
        unknown = call(client, key, method, *with_missing(body, query, url, foreign, value))
        assert answer(response, value) == answer(unknown, MISSING), (
            f"{method} {url} {query} {body} with shop B's {foreign} answered {response.status_code}, not as for an"
            f" unknown one ({unknown.status_code}): {response.content[:300]}"
        )
    changed = {table: (before[table], after[table]) for table in before if before[table] != after[table]}
    assert not changed, f"{method} {url} with shop B's {foreign} changed the database: {changed}"

    # The control: with shop A's own objects the answer is not the same refusal (it may be another 404, such as
    # "this member has no membership").
    url, query, body, _ = request_of(method, path, spec, ours, ours, foreign)
    control = call(client, key, method, url, query, body)
    refusal = (response.status_code, error_code(response))
    assert control.status_code != 404 or refusal[0] != 404 or error_code(control) != refusal[1], (
        f"{method} {url} {body} answers the same with shop A's own objects: {control.content[:300]}"
    )


def error_code(response) -> str:
    try:
        found = response.json()
    except ValueError:
        return ""
    return found.get("error", {}).get("code", "") if isinstance(found, dict) else ""
