"""Staff sign in with a password or with a code sent by email, on pages in the product's style."""

import re

from django.core import mail
from django.urls import reverse


def test_signing_in_with_a_password_opens_the_portal(client, owner, shop):
    response = client.post(
        reverse("account_login"), {"login": owner.email, "password": "a-long-test-password"}, follow=True
    )
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


def in_vietnamese(client):
    client.post(reverse("set_language"), {"language": "vi", "next": "/"})
    return client


def test_the_sign_in_form_speaks_vietnamese(client, owner):
    client = in_vietnamese(client)
    html = client.get(reverse("account_login")).content.decode()
    assert "Mật khẩu" in html and "Quên mật khẩu?" in html
    refused = client.post(reverse("account_login"), {"login": owner.email, "password": "wrong"})
    assert "Email và mật khẩu này không khớp với tài khoản nào." in refused.content.decode()


def test_the_password_reset_email_is_ours_and_in_the_readers_language(client, owner):
    in_vietnamese(client).post(reverse("account_reset_password"), {"email": owner.email})
    [message] = mail.outbox
    assert message.subject == "[Regulars] Đặt lại mật khẩu"
    assert message.body.startswith("Xin chào,")
    assert "/accounts/password/reset/key/" in message.body


def test_a_new_password_is_chosen_through_the_emailed_link(client, owner):
    client.post(reverse("account_reset_password"), {"email": owner.email})
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)  # allauth moves the key from the address into the session
    assert "Choose a new password" in form_page.content.decode()
    [(form_url, _status)] = form_page.redirect_chain
    done = client.post(
        form_url, {"password1": "another-long-password", "password2": "another-long-password"}, follow=True
    )
    assert "Password changed" in done.content.decode()
    owner.refresh_from_db()
    assert owner.check_password("another-long-password")
