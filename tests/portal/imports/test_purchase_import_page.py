"""The portal's past-purchases import: the choice on the import page, upload, preview and map the columns, check
every row, download the errors, import by the Celery task (run at once in tests), the member page's label;
managers and owners only, each shop its own imports, a fixed number of queries."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from loyalty.models import LedgerEntry, Purchase
from loyalty.portal.models import ImportKind, ImportStatus, MemberImport
from tests.factories import enrol

NEW = reverse("portal:purchase_import_new")
FILE = (
    "SĐT;Số tiền;Ngày mua;Hóa đơn;Ghi chú\n"
    "0901 234 567;120000;2025-05-31;HD-1;quen\n"
    "0909 999 999;5000;2025-06-01;HD-2;\n"
)


def upload(client, content: str = FILE, name="mua.csv", encoding="utf-8-sig"):
    return client.post(NEW, {"file": SimpleUploadedFile(name, content.encode(encoding), "text/csv")})


def url(purchase_import, name="portal:purchase_import") -> str:
    return reverse(name, kwargs={"purchase_import_id": purchase_import.pk})


@pytest.fixture
def an(shop):
    return enrol(shop, phone="+84901234567", name="An")


@pytest.fixture
def uploaded(owner_client, an):
    response = upload(owner_client)
    assert response.status_code == 302
    return MemberImport.objects.get()


def check(client, purchase_import, capture, mapping=None):
    mapping = mapping or {"column_0": "phone", "column_1": "amount", "column_2": "occurred_at", "column_3": "receipt"}
    with capture(execute=True):
        return client.post(url(purchase_import, "portal:purchase_import_mapping"), mapping)


def test_the_import_page_offers_members_or_past_purchases(owner_client):
    for page in (reverse("portal:member_import_new"), NEW):
        text = owner_client.get(page).content.decode()
        assert f'href="{NEW}"' in text and f'href="{reverse("portal:member_import_new")}"' in text
        assert "Past purchases" in text


def test_upload_guesses_the_columns_and_shows_the_first_rows(owner_client, uploaded):
    assert uploaded.kind == ImportKind.PURCHASES
    assert uploaded.mapping == {"0": "phone", "1": "amount", "2": "occurred_at", "3": "receipt"}
    text = owner_client.get(url(uploaded)).content.decode()
    assert "2 purchase rows" in text and "HD-1" in text and '<option value="amount" selected>' in text
    assert owner_client.get(reverse("portal:member_import", kwargs={"import_id": uploaded.pk})).status_code == 404


def test_checking_lists_the_bad_rows_and_offers_them_as_csv(owner_client, uploaded, django_capture_on_commit_callbacks):
    assert check(owner_client, uploaded, django_capture_on_commit_callbacks).status_code == 302
    uploaded.refresh_from_db()
    assert uploaded.status == ImportStatus.VALIDATED and (uploaded.imported, uploaded.skipped) == (1, 1)
    assert uploaded.errors == [[3, "phone", "no member of the shop has this phone"]]
    errors = owner_client.get(url(uploaded, "portal:purchase_import_errors"))
    assert errors.content.decode("utf-8-sig").splitlines()[1] == "3,phone,no member of the shop has this phone"
    assert not Purchase.objects.exists()


def test_a_mapping_without_a_member_amount_or_date_is_refused(owner_client, uploaded):
    response = owner_client.post(url(uploaded, "portal:purchase_import_mapping"), {"column_1": "amount"})
    assert response.status_code == 400 and "card numbers" in response.content.decode()
    response = owner_client.post(url(uploaded, "portal:purchase_import_mapping"), {"column_0": "phone"})
    assert response.status_code == 400 and "the amount and the date" in response.content.decode()
    uploaded.refresh_from_db()
    assert uploaded.status == ImportStatus.UPLOADED


def test_the_valid_rows_are_imported_earning_nothing_and_shown_as_imported(
    owner_client, uploaded, an, django_capture_on_commit_callbacks
):
    check(owner_client, uploaded, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        refused = owner_client.post(url(uploaded, "portal:purchase_import_start"), {})
    assert refused.status_code == 400 and not Purchase.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        started = owner_client.post(url(uploaded, "portal:purchase_import_start"), {"skip_invalid": "on"})
    assert started.status_code == 302
    uploaded.refresh_from_db()
    assert uploaded.status == ImportStatus.DONE and (uploaded.imported, uploaded.skipped) == (1, 1)
    purchase = Purchase.objects.get()
    assert (purchase.external_id, purchase.amount, purchase.imported, purchase.member) == (
        "HD-1",
        Decimal("120000"),
        True,
        an,
    )
    assert not LedgerEntry.objects.filter(account=an.account).exists()
    assert "past purchases imported" in owner_client.get(url(uploaded)).content.decode()
    member_page = owner_client.get(reverse("portal:member", kwargs={"member_id": an.pk})).content.decode()
    assert "HD-1" in member_page and ">imported<" in member_page


def test_a_running_import_answers_htmx_with_its_progress_in_a_fixed_number_of_queries(owner_client, uploaded):
    MemberImport.objects.filter(pk=uploaded.pk).update(status=ImportStatus.RUNNING, done=500, total=2000)
    with CaptureQueriesContext(connection) as queries:
        part = owner_client.get(url(uploaded) + "?part=progress", HTTP_HX_REQUEST="true")
    assert (
        part.status_code == 200
        and 'value="25"' in part.content.decode()
        and "500 of 2000 purchases" in (part.content.decode())
    )
    assert len(queries) == 4  # session, user, staff membership with its shop, the import
    MemberImport.objects.filter(pk=uploaded.pk).update(status=ImportStatus.DONE)
    finished = owner_client.get(url(uploaded) + "?part=progress", HTTP_HX_REQUEST="true")
    assert finished.status_code == 204 and finished["HX-Refresh"] == "true"


def test_the_page_of_a_checked_import_takes_a_fixed_number_of_queries(
    owner_client, uploaded, django_capture_on_commit_callbacks
):
    check(owner_client, uploaded, django_capture_on_commit_callbacks)
    owner_client.get(url(uploaded))  # warm the session's and the portal's caches
    with CaptureQueriesContext(connection) as queries:
        assert owner_client.get(url(uploaded)).status_code == 200
    counted = len(queries)
    MemberImport.objects.filter(pk=uploaded.pk).update(errors=[[n, "phone", "bad"] for n in range(2, 500)])
    with CaptureQueriesContext(connection) as queries:
        assert owner_client.get(url(uploaded)).status_code == 200
    assert len(queries) == counted


def test_cashiers_cannot_import_and_other_shops_imports_are_not_found(as_user, cashier, manager, uploaded, other_owner):
    assert as_user(cashier).get(NEW).status_code == 403
    assert as_user(cashier).get(url(uploaded)).status_code == 403
    assert as_user(manager).get(url(uploaded)).status_code == 200
    assert as_user(other_owner).get(url(uploaded)).status_code == 404
    assert as_user(other_owner).get(url(uploaded, "portal:purchase_import_errors")).status_code == 404
    assert as_user(other_owner).post(url(uploaded, "portal:purchase_import_start"), {}).status_code == 404
    assert "mua.csv" not in as_user(other_owner).get(NEW).content.decode()


def test_the_member_import_page_lists_only_member_imports(owner_client, uploaded):
    assert "mua.csv" not in owner_client.get(reverse("portal:member_import_new")).content.decode()
    assert "mua.csv" in owner_client.get(NEW).content.decode()
