"""The partners' own pages and the public application: signing in by a code sent to the partner's email, the page
with the link, customers (first names), commissions and statements, payout details kept by the partner; applying,
and the owner's decision with its email."""

import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client
from django.urls import reverse

from loyalty.models import Member, StaffMembership
from loyalty.names import given_name
from partners.models import Application, ApplicationStatus, Partner
from partners.services.commissions import commissions_approve
from partners.services.payouts import payout_create, payout_mark_paid
from tests.factories import StaffFactory, UserFactory

from .conftest import T0, buy, customer, partner_of


def signed_in_by_code(client: Client, email: str):
    """The sign-in page, the code from the email, the code page: where the person lands."""
    sent = client.post(reverse("partners:sign_in"), {"email": email})
    assert sent.status_code == 302 and sent["Location"].startswith(reverse("account_confirm_login_code"))
    code = re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", mail.outbox[-1].body, re.M).group(1)
    return client.post(sent["Location"], {"code": code})


@pytest.fixture
def earning(pho):
    """BLOG-ANH with a customer, Lan: a paid statement and a commission still held."""
    anh = partner_of(pho, "BLOG-ANH")
    lan = customer(pho, partner_code="BLOGANH", name="Nguyễn Thị Lan")
    buy(pho, lan, "600000")
    commissions_approve(as_of=T0 + timedelta(days=14))
    payout_mark_paid(payout=payout_create(partner=anh, at=T0 + timedelta(days=14)), reference="VCB 1")
    buy(pho, lan, "90000", at=T0 + timedelta(days=15), now=T0 + timedelta(days=15))
    return anh


def test_a_partner_signs_in_with_a_code_and_sees_their_page(earning):
    client = Client()
    landed = signed_in_by_code(client, "Anh@Example.com")
    assert landed.status_code == 302 and landed["Location"] == reverse("partners:home")
    page = client.get(landed["Location"], follow=True)
    assert page.redirect_chain[-1][0] == reverse("partners:page", kwargs={"partner_id": earning.pk})
    html = page.content.decode()
    assert "/p/BLOGANH/" in html and "BLOG-ANH" in html
    assert "Lan" in html and "Nguyễn" not in html, "customers by first name only"
    assert 'data-figure="pending"' in html and "PO000001" in html
    user = page.context["user"]
    assert not StaffMembership.objects.filter(user=user).exists() and not Member.objects.filter(user=user).exists()
    assert not user.is_staff and not user.has_usable_password()


def test_a_stranger_gets_the_same_next_page_and_no_code(earning):
    client = Client()
    sent = client.post(reverse("partners:sign_in"), {"email": "nobody@example.com"})
    assert sent.status_code == 302 and sent["Location"].startswith(reverse("account_confirm_login_code"))
    assert not re.search(r"^\s*[A-Z0-9]{4}-[A-Z0-9]{4}\s*$", mail.outbox[-1].body, re.M)


def test_a_partner_with_a_password_lands_on_their_page_too(earning):
    user = UserFactory(email="anh@example.com")  # verified, with a password
    client = Client()
    signed = client.post(reverse("account_login"), {"login": user.email, "password": "a-long-test-password"})
    assert signed.status_code == 302 and signed["Location"] == reverse("partners:home")


def test_staff_still_land_in_the_portal(earning):
    user = StaffFactory(shop=earning.shop, role="owner", user=UserFactory(email="anh@example.com")).user
    client = Client()
    signed = client.post(reverse("account_login"), {"login": user.email, "password": "a-long-test-password"})
    assert signed["Location"] == reverse("portal:home")


def test_another_persons_partner_page_is_404(earning, pho):
    client = Client()
    client.force_login(UserFactory(email="someone@example.com"))
    for name, kwargs in [
        ("partners:page", {}),
        ("partners:page_qr", {}),
        ("partners:page_statement", {"payout_id": earning.payouts.get().pk}),
    ]:
        assert client.get(reverse(name, kwargs={"partner_id": earning.pk, **kwargs})).status_code == 404
    assert client.post(reverse("partners:page_payout_details", kwargs={"partner_id": earning.pk})).status_code == 404
    assert client.get(reverse("partners:home")).status_code == 200


def test_the_partner_keeps_their_payout_details(earning):
    client = Client()
    client.force_login(UserFactory(email="anh@example.com"))
    url = reverse("partners:page_payout_details", kwargs={"partner_id": earning.pk})
    wrong = client.post(url, {"payout_method": "bank_transfer", "bank_bin": "97043"})
    assert wrong.status_code == 422 and "Six digits." in wrong.content.decode()
    details = {"bank_bin": "970436", "bank_account": "0071 0001 23456", "account_name": "TRAN NGOC ANH"}
    saved = client.post(url, {"payout_method": "bank_transfer", **details})
    assert saved.status_code == 302
    earning.refresh_from_db()
    assert (earning.bank_bin, earning.bank_account) == ("970436", "0071000123456")


def test_a_statement_lists_its_lines(earning):
    client = Client()
    client.force_login(UserFactory(email="anh@example.com"))
    payout = earning.payouts.get()
    page = client.get(reverse("partners:page_statement", kwargs={"partner_id": earning.pk, "payout_id": payout.pk}))
    assert page.status_code == 200 and "VCB 1" in page.content.decode() and len(page.context["lines"]) == 1


def test_the_link_qr_code_is_an_svg_of_the_link(earning):
    client = Client()
    client.force_login(UserFactory(email="anh@example.com"))
    qr = client.get(reverse("partners:page_qr", kwargs={"partner_id": earning.pk}))
    assert qr["Content-Type"] == "image/svg+xml" and b"<svg" in qr.content


@pytest.mark.parametrize(
    "name, shown",
    [("Nguyễn Thị Lan", "Lan"), ("Trần Minh", "Minh"), ("Jane Doe", "Jane"), ("", "—"), ("Madonna", "Madonna")],
)
def test_customers_are_shown_by_the_name_people_call_them(name, shown):
    assert given_name(name) == shown


# ---------------------------------------------------------------- applying


def apply(client, shop, **fields):
    data = {"name": "Gym Next Door", "email": "gym@example.com", "phone": "0908 765 432", "website": "gym.vn"}
    return client.post(reverse("partners:apply", kwargs={"slug": shop.slug}), {**data, **fields})


def test_people_apply_and_the_owner_approves_them_with_an_email_of_their_link(pho, django_capture_on_commit_callbacks):
    applied = apply(Client(), pho)
    assert applied.status_code == 200 and "Thank you for applying" in applied.content.decode()
    application = Application.objects.get(shop=pho)
    assert (application.phone, application.status) == ("+84908765432", ApplicationStatus.PENDING)

    owner = Client()
    owner.force_login(StaffFactory(shop=pho, role="owner").user)
    listed = owner.get(reverse("partners:applications")).content.decode()
    assert "Gym Next Door" in listed and "Approve" in listed
    plan = partner_of(pho, "BLOG-ANH").plan
    with django_capture_on_commit_callbacks(execute=True):
        owner.post(
            reverse("partners:application_approve", kwargs={"application_id": application.pk}), {"plan": plan.pk}
        )
    partner = Partner.objects.get(shop=pho, name="Gym Next Door")
    assert re.fullmatch(r"GYMNEX\d\d", partner.code) and partner.email == "gym@example.com"
    [email] = mail.outbox
    assert email.to == ["gym@example.com"] and f"/p/{partner.key}/" in email.body
    assert reverse("partners:sign_in") in email.body
    approve = reverse("partners:application_approve", kwargs={"application_id": application.pk})
    again = owner.post(approve, {"plan": plan.pk}, follow=True)
    assert "decided already" in again.content.decode() and Partner.objects.filter(shop=pho).count() == 2


def test_the_owner_rejects_and_a_manager_may_not_decide(pho):
    apply(Client(), pho)
    application = Application.objects.get()
    manager = Client()
    manager.force_login(StaffFactory(shop=pho, role="manager").user)
    url = reverse("partners:application_reject", kwargs={"application_id": application.pk})
    assert manager.post(url).status_code == 403
    owner = Client()
    owner.force_login(StaffFactory(shop=pho, role="owner").user)
    owner.post(url)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.REJECTED and not mail.outbox


def test_the_application_form_checks_its_fields_and_keeps_bots_out(pho):
    wrong = apply(Client(), pho, email="not-an-email", phone="12")
    assert wrong.status_code == 422
    bot = apply(Client(), pho, homepage="http://spam.example")
    assert bot.status_code == 400 and not Application.objects.exists()


def test_the_application_form_is_rate_limited_like_the_join_page(pho, settings):
    settings.ACCOUNT_RATE_LIMITS = {"partner_apply": "2/m/ip"}
    client = Client()
    assert [apply(client, pho, email=f"a{n}@example.com").status_code for n in range(3)] == [200, 200, 429]
    assert Application.objects.count() == 2


def test_a_shop_without_a_partner_program_has_no_application_form(db):
    from loyalty.services.config import config_import
    from tests.loyalty.documents import document, program

    plain = config_import(document("no-partners", program("10000")))
    assert Client().get(reverse("partners:apply", kwargs={"slug": plain.slug})).status_code == 404


def test_a_partners_email_is_proved_by_the_code_not_by_typing_it(earning):
    client = Client()
    client.force_login(UserFactory(email="anh@example.com", verified=False))
    EmailAddress.objects.filter(email="anh@example.com").update(verified=False)
    assert client.get(reverse("partners:page", kwargs={"partner_id": earning.pk})).status_code == 404
