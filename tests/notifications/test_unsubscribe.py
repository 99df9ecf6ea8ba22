"""The unsubscribe link: GET asks, POST withdraws marketing consent (recorded as from the link); a mail
client's one-click POST (RFC 8058) works without a CSRF token; a forged token is a 404."""

from django.test import Client

from loyalty.models import ConsentChange, ConsentSource, Member
from loyalty.services.notifications import notify, unsubscribe_token, unsubscribe_url

from .helpers import member_with


def path_for(member) -> str:
    return f"/m/unsubscribe/{unsubscribe_token(member.pk)}/"


def test_the_link_in_a_message_opens_the_confirmation(shop):
    member = member_with(shop)
    assert unsubscribe_url(member.pk).endswith(path_for(member))
    response = Client().get(path_for(member))
    assert response.status_code == 200
    assert b'method="post"' in response.content and shop.name.encode() in response.content
    member.refresh_from_db()
    assert member.marketing_consent, "opening the link changes nothing"


def test_confirming_withdraws_consent_and_records_it(shop):
    member = member_with(shop)
    response = Client(enforce_csrf_checks=True).post(path_for(member))
    assert response.status_code == 200 and b"unsubscribed" in response.content
    member.refresh_from_db()
    assert not member.marketing_consent and member.consent_source == ConsentSource.UNSUBSCRIBE
    change = ConsentChange.objects.filter(member=member).first()
    assert (change.granted, change.source) == (False, ConsentSource.UNSUBSCRIBE)
    assert notify(member=member, event="birthday", context={"points": 1}).reason == "no_consent"


def test_one_click_unsubscribe_from_a_mail_client(shop):
    member = member_with(shop, email="an@example.com")
    client = Client(enforce_csrf_checks=True)  # no cookie, no token: what a mail client sends
    response = client.post(path_for(member), {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200 and response.content == b""
    assert not Member.objects.get(pk=member.pk).marketing_consent


def test_a_forged_or_altered_token_is_not_found(shop):
    member = member_with(shop)
    other = member_with(shop)
    forged = unsubscribe_token(member.pk).replace(f"{member.pk}:", f"{other.pk}:")
    assert Client().post(f"/m/unsubscribe/{forged}/").status_code == 404
    assert Client().get("/m/unsubscribe/nonsense/").status_code == 404
    assert Member.objects.get(pk=other.pk).marketing_consent


def test_the_page_speaks_the_members_language(shop):
    member = member_with(shop, language="vi")
    response = Client().get(path_for(member))
    assert b'lang="vi"' in response.content


def test_a_link_naming_a_merged_duplicate_unsubscribes_the_member_it_became(shop):
    first, second, kept = member_with(shop), member_with(shop), member_with(shop)
    Member.objects.filter(pk=first.pk).update(merged_into=second)
    Member.objects.filter(pk=second.pk).update(merged_into=kept)  # merged twice over
    response = Client().post(path_for(first), {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert not Member.objects.get(pk=kept.pk).marketing_consent
    assert ConsentChange.objects.filter(member=kept, granted=False).exists()
    page = Client().get(path_for(first))
    assert page.status_code == 200 and b"unsubscribed" in page.content, "the page speaks of the current member"
