"""OpenAPI links of the till API's document: which answer feeds which next request (a member enrolled is shown,
buys and redeems; a purchase is refunded; a voucher redeemed is used, cancelled, shown). They describe the
contract's own endpoints, add none, and let a stateful client (schemathesis) walk from one to the next."""

from __future__ import annotations

ID = MEMBER = "$response.body#/id"
BUYER = "$response.body#/member"
LINKS: dict[tuple[str, str], dict[str, dict]] = {
    ("loyalty_api_members_enrol", "201"): {
        "ShowMember": {"operationId": "loyalty_api_members_show", "parameters": {"path.member_id": MEMBER}},
        "MemberLedger": {"operationId": "loyalty_api_members_ledger", "parameters": {"path.member_id": MEMBER}},
        "AdjustMember": {"operationId": "loyalty_api_members_adjust", "parameters": {"path.member_id": MEMBER}},
        "Catalogue": {"operationId": "loyalty_api_rewards_catalogue", "parameters": {"query.member": MEMBER}},
        "RecordPurchase": {"operationId": "loyalty_api_purchases_record", "requestBody": {"member": MEMBER}},
        "Quote": {"operationId": "loyalty_api_purchases_quote", "requestBody": {"member": MEMBER}},
        "Redeem": {"operationId": "loyalty_api_rewards_redeem", "requestBody": {"member": MEMBER}},
        "Event": {"operationId": "loyalty_api_events_event", "requestBody": {"member": MEMBER}},
    },
    ("loyalty_api_purchases_record", "201"): {
        "Refund": {"operationId": "loyalty_api_purchases_refund", "parameters": {"path.purchase_id": ID}},
        "Buyer": {"operationId": "loyalty_api_members_show", "parameters": {"path.member_id": BUYER}},
    },
    ("loyalty_api_rewards_redeem", "201"): {
        name: {"operationId": f"loyalty_api_rewards_{op}", "parameters": {"path.code": "$response.body#/voucher/code"}}
        for name, op in (("UseVoucher", "use"), ("CancelVoucher", "cancel"), ("ShowVoucher", "show"))
    },
}  # fmt: skip


def add_links(schema: dict) -> dict:
    """The document with LINKS on its responses (links to operations it does not have are left out)."""
    operations = {
        operation.get("operationId"): operation
        for path in schema.get("paths", {}).values()
        for operation in path.values()
    }
    for (source, status), links in LINKS.items():
        responses = operations.get(source, {}).get("responses", {})
        response = responses.get(status, responses.get(int(status)))  # ninja keys them by number
        if response is None:
            continue
        present = {name: link for name, link in links.items() if link["operationId"] in operations}
        response.setdefault("links", {}).update(present)
    return schema
