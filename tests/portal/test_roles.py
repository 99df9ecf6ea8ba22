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
]
RANK = {"cashier": 1, "manager": 2, "owner": 3}


@pytest.fixture
def objects(shop, owner, location):
    from loyalty.services.shops import staff_invite

    return {
        "location": location.pk,
        "membership": StaffMembership.objects.get(shop=shop, user=owner).pk,
        "invitation": staff_invite(shop=shop, email="new@example.com", role="cashier", invited_by=owner).pk,
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
