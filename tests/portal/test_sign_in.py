"""Staff sign in with a password or with a code sent by email, on pages in the product's style."""
import re

from django.core import mail
from django.urls import reverse


def test_signing_in_with_a_password_opens_the_portal(client, owner, shop):
    response = client.post(reverse("account_login"), {"login": owner.email, "password": "a-long-test-password"},
                           follow=True)
    assert response.redirect_chain[-1][0] == reverse("portal:home")
    assert response.context["current_shop"] == shop


def test_a_wrong_password_is_refused_on_the_form(client, owner):
    response = client.post(reverse("account_login"), {"login": owner.email, "password": "wrong"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert 'class="form-errors"' in response.content.decode()


def test_signing_in_with_an_emailed_code(client, owner, shop):
    client.post(reverse("account_request_login_code"), {"email": owner.email})
    page = client.get(reverse("account_confirm_login_code"))
    assert "Enter your sign-in code" in page.content.decode()
    code = re.search(r"^([A-Z0-9]{4}-[A-Z0-9]{4})$", mail.outbox[-1].body, re.MULTILINE).group(1)

    response = client.post(reverse("account_confirm_login_code"), {"code": code}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("portal:home")
    assert response.context["current_shop"] == shop
