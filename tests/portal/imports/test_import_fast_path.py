"""What makes a big import fast must not change what it does: the phone fast path reads exactly as
phone_normalise; an import's members are announced once (hooks.MembersImported) to the apps; the consent it
records has a translated label."""

from __future__ import annotations

import random

import pytest
from django.utils import translation

from loyalty import hooks
from loyalty.errors import ValidationFailed
from loyalty.models import ConsentChange, ConsentSource, Member
from loyalty.services.members import phone_normalise
from loyalty.services.phone_reader import PhoneReader
from tests.factories import enrol

from .test_members_import_command import run


def _read(reader, raw: str):
    try:
        return reader(raw)
    except ValidationFailed:
        return None


def _slow(raw: str, country: str):
    try:
        return phone_normalise(raw, country)
    except ValidationFailed:
        return None


@pytest.mark.parametrize("country", ["VN", "FR", "DE", "IR", "TH", "US", "GB"])
def test_the_fast_path_reads_every_spelling_as_phone_normalise_does(country):
    reader, rng = PhoneReader(country), random.Random(country)
    code = str(reader.metadata.country_code)
    spellings = [
        "0912345678", "+84 91 234 5678", "0912-345-678", "+840912345678", "00849123456789", "84912345678",
        "0912 345 67a", "091234567", "+1 415 555 0100", "", "+", "0", "(028) 3822 1234", "0912.345.678",
        "٠٩١٢٣٤٥٦٧٨", "0912345678 ext. 5", "0912\t345678", "0912/345/678", "0912\u00a0345\u00a0678",
        "+(84)912345678", "+ 84 912345678", "0-912-345-678",
    ]  # fmt: skip
    for _ in range(3000):
        digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(5, 12)))
        spellings += [
            digits,
            f"0{digits}",
            f"+{code}{digits}",
            f"+{code} {digits[:3]} {digits[3:]}",
            f"0{digits[:3]}-{digits[3:]}",
        ]
    for raw in spellings:
        assert _read(reader, raw) == _slow(raw, country), raw


def test_the_fast_path_is_taken_for_the_usual_spellings():
    reader = PhoneReader("VN")
    assert reader.national("0912 345 678") == "912345678"
    assert reader.national("+84 91 234 5678") == "912345678"
    assert reader.national("+33 6 12 34 56 78") is None  # another country: phonenumbers decides
    assert PhoneReader("US").by_length == {}  # +1 is many countries: always phonenumbers


@pytest.mark.django_db(transaction=False)
def test_an_app_handler_sees_the_imported_members_once(shop, tmp_path):
    kept = enrol(shop, phone="+84901234560")
    seen = []
    unsubscribe = hooks.subscribe(hooks.MembersImported, seen.append)
    enrolled = []
    unsubscribe_enrolled = hooks.subscribe(hooks.MemberEnrolled, enrolled.append)
    try:
        run(shop, tmp_path, "phone,name\n0901234561,An\n0901234562,Bình\n0901234560,Kept\n")
        run(shop, tmp_path, "phone,name\n0901234561,An\n")  # nothing new: no event
    finally:
        unsubscribe()
        unsubscribe_enrolled()
    assert len(seen) == 1 and enrolled == []
    event = seen[0]
    new = list(Member.objects.filter(shop=shop).exclude(pk=kept.pk).order_by("phone").values_list("pk", flat=True))
    assert list(event.member_ids) == new and event.shop == shop and event.channel == "import"
    assert kept.pk not in event.member_ids


@pytest.mark.django_db
def test_the_import_consent_source_is_translated(shop, tmp_path):
    run(shop, tmp_path, "phone,marketing_consent\n0901234561,yes\n")
    change = ConsentChange.objects.get()
    member = Member.objects.get(phone="+84901234561")
    assert change.source == ConsentSource.IMPORT and member.consent_source == "import"
    assert member.consent_source_label == "Import"
    with translation.override("vi"):
        assert str(ConsentSource.IMPORT.label) == translation.gettext("Import")
    assert type(ConsentSource.IMPORT.label).__name__ == "__proxy__"  # lazy: read in the page's language
