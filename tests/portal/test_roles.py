"""Owner > manager > cashier: each page answers 403 to a role below the one it needs."""

import pytest
from django.urls import reverse

from loyalty.models import StaffMembership

# (URL name, needs an object id, method, lowest role that may use it)
PAGES = [
    ("portal:home", None, "get", "cashier"),
    ("portal:staff", None, "get", "manager"),
    ("portal:locations", None, "get", "manager"),
    ("portal:locations", None, "post", "manager"),
    ("portal:location_edit", "location", "get", "manager"),
    ("portal:location_edit", "location", "post", "manager"),
    ("portal:staff_invite", None, "post", "owner"),
    ("portal:staff_role", "membership", "post", "owner"),
    ("portal:staff_remove", "membership", "post", "owner"),
    ("portal:invitation_revoke", "invitation", "post", "owner"),
    ("portal:program", None, "get", "manager"),
    ("portal:program_export", None, "get", "manager"),
    ("portal:program_import", None, "post", "manager"),
    ("portal:program_template", None, "get", "manager"),
    ("portal:program_template", None, "post", "manager"),
    ("portal:members", None, "get", "cashier"),
    ("portal:member", "member", "get", "cashier"),
    ("portal:member_adjust", "member", "post", "manager"),
    ("portal:member_consent", "member", "post", "cashier"),
    ("portal:api_keys", None, "get", "owner"),
    ("portal:api_key_create", None, "post", "owner"),
    ("portal:api_key_revoke", "api_key", "get", "owner"),
    ("portal:api_key_revoke", "api_key", "post", "owner"),
    ("portal:webhooks", None, "get", "owner"),
    ("portal:webhooks", None, "post", "owner"),
    ("portal:webhook", "endpoint", "get", "owner"),
    ("portal:webhook_secret", "endpoint", "get", "owner"),
    ("portal:webhook_disable", "endpoint", "get", "owner"),
    ("portal:webhook_disable", "endpoint", "post", "owner"),
    ("portal:webhook_resend", "delivery", "post", "owner"),
]
RANK = {"cashier": 1, "manager": 2, "owner": 3}


@pytest.fixture
def objects(shop, owner, location):
    from loyalty.services.api_keys import api_key_create
    from loyalty.services.shops import staff_invite
    from loyalty.services.webhooks import webhook_emit, webhook_endpoint_create
    from tests.factories import enrol

    endpoint = webhook_endpoint_create(shop=shop, url="https://hooks.example.com/in")
    return {
        "location": location.pk,
        "membership": StaffMembership.objects.get(shop=shop, user=owner).pk,
        "invitation": staff_invite(shop=shop, email="new@example.com", role="cashier", invited_by=owner).pk,
        "member": enrol(shop).pk,
        "api_key": api_key_create(shop=shop, role="cashier", name="Till")[0].pk,
        "endpoint": endpoint.pk,
        "delivery": webhook_emit(shop, "member.enrolled", {"member": "1"})[0].pk,
    }


@pytest.mark.parametrize("role", ["cashier", "manager"])
@pytest.mark.parametrize("name, needs, method, required", PAGES)
def test_a_role_below_the_pages_gets_403(request, as_user, objects, role, name, needs, method, required):
    client = as_user(request.getfixturevalue(role))
    url = reverse(name, args=[objects[needs]] if needs else [])
    response = getattr(client, method)(url, {"name": "x", "role": "owner", "email": "x@example.com"})
    if RANK[role] < RANK[required]:
        assert response.status_code == 403
    else:
        assert response.status_code in (200, 302)


def test_the_403_page_explains_itself(as_user, cashier):
    response = as_user(cashier).get(reverse("portal:staff"))
    assert "This page is not for your role" in response.content.decode()


def test_managers_see_staff_but_not_the_owners_controls(as_user, manager, cashier):
    html = as_user(manager).get(reverse("portal:staff")).content.decode()
    assert cashier.email in html
    assert reverse("portal:staff_invite") not in html
    assert "Only an owner can invite" in html


def test_cashiers_see_only_the_sections_they_may_open(as_user, cashier):
    html = as_user(cashier).get(reverse("portal:home")).content.decode()
    assert reverse("portal:staff") not in html
    assert reverse("portal:locations") not in html
    assert reverse("portal:program") not in html and reverse("portal:api_keys") not in html
    assert reverse("portal:members") in html


def test_managers_see_the_program_but_not_the_api_keys(as_user, manager):
    menu = as_user(manager).get(reverse("portal:home")).content.decode().split('class="portal-nav"')[1]
    assert reverse("portal:program") in menu and reverse("portal:members") in menu
    assert reverse("portal:api_keys") not in menu
