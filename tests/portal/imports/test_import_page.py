"""The portal's import page: upload, preview and map the columns, check every row, download the errors, import by
the Celery task (run at once in tests) and see the result."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from loyalty.models import Member
from loyalty.portal.models import ImportStatus, MemberImport

NEW = reverse("portal:member_import_new")
VIETNAMESE = "Số điện thoại;Họ tên;Điểm;Ghi chú\n0901 234 567;Nguyễn An;40;khách quen\nsai;Bình;;\n"


def upload(client, content: str, name="khach.csv", encoding="utf-8-sig"):
    return client.post(NEW, {"file": SimpleUploadedFile(name, content.encode(encoding), "text/csv")})


def url(member_import, name="portal:member_import") -> str:
    return reverse(name, kwargs={"import_id": member_import.pk})


@pytest.fixture
def uploaded(owner_client):
    response = upload(owner_client, VIETNAMESE)
    assert response.status_code == 302
    return MemberImport.objects.get()


def test_upload_shows_the_first_rows_and_guesses_vietnamese_headers(owner_client, uploaded):
    assert uploaded.mapping == {"0": "phone", "1": "name", "2": "points"}
    page = owner_client.get(url(uploaded))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Nguyễn An" in text and "khách quen" in text and "2 customer rows" in text
    assert '<option value="phone" selected>' in text


def test_checking_lists_each_bad_row_and_offers_them_as_csv(owner_client, uploaded, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(
            url(uploaded, "portal:member_import_mapping"),
            {"column_0": "phone", "column_1": "name", "column_2": "points"},
        )
    assert response.status_code == 302
    uploaded.refresh_from_db()
    assert uploaded.status == ImportStatus.VALIDATED
    assert (uploaded.imported, uploaded.updated, uploaded.skipped) == (1, 0, 1)
    assert uploaded.errors == [[3, "phone", "“sai” is not a valid phone number"]]
    page = owner_client.get(url(uploaded)).content.decode()
    assert "Row 3" in page and "1 row is not valid" in page
    errors = owner_client.get(url(uploaded, "portal:member_import_errors"))
    assert errors["Content-Type"].startswith("text/csv")
    assert errors.content.decode("utf-8-sig").splitlines() == [
        "row,column,reason",
        "3,phone,“sai” is not a valid phone number",
    ]
    assert not Member.objects.exists()


def test_invalid_rows_block_the_import_unless_the_owner_skips_them(
    owner_client, uploaded, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(url(uploaded, "portal:member_import_mapping"), {"column_0": "phone", "column_2": "points"})
    with django_capture_on_commit_callbacks(execute=True):
        refused = owner_client.post(url(uploaded, "portal:member_import_start"), {})
    assert refused.status_code == 400 and "import the valid rows only" in refused.content.decode()
    assert not Member.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        started = owner_client.post(url(uploaded, "portal:member_import_start"), {"skip_invalid": "on"})
    assert started.status_code == 302
    uploaded.refresh_from_db()
    assert uploaded.status == ImportStatus.DONE and uploaded.imported == 1 and uploaded.skipped == 1
    member = Member.objects.get()
    assert member.phone == "+84901234567" and member.account.points_balance == 40 and member.name == ""
    assert member.enrolled_by.pk == uploaded.created_by.pk
    page = owner_client.get(url(uploaded)).content.decode()
    assert "1 new members, 0 updated, 1 rows left out." in page


def test_a_mapping_without_the_phone_is_refused(owner_client, uploaded):
    response = owner_client.post(url(uploaded, "portal:member_import_mapping"), {"column_1": "name"})
    assert response.status_code == 400 and "phone numbers" in response.content.decode()
    uploaded.refresh_from_db()
    assert uploaded.status == ImportStatus.UPLOADED


def test_a_running_import_answers_htmx_with_its_progress_and_refreshes_when_done(owner_client, uploaded):
    MemberImport.objects.filter(pk=uploaded.pk).update(status=ImportStatus.RUNNING, done=500, total=2000)
    with CaptureQueriesContext(connection) as queries:
        part = owner_client.get(url(uploaded) + "?part=progress", HTTP_HX_REQUEST="true")
    assert part.status_code == 200
    assert 'value="25"' in part.content.decode() and "<html" not in part.content.decode()
    assert len(queries) == 4  # session, user, staff membership with its shop, the import
    MemberImport.objects.filter(pk=uploaded.pk).update(status=ImportStatus.DONE)
    finished = owner_client.get(url(uploaded) + "?part=progress", HTTP_HX_REQUEST="true")
    assert finished.status_code == 204 and finished["HX-Refresh"] == "true"


def test_a_file_that_is_not_text_is_refused(owner_client):
    response = owner_client.post(NEW, {"file": SimpleUploadedFile("x.csv", b"\x89PNG\r\n\xff\xd8", "text/csv")})
    assert response.status_code == 400 and "CSV UTF-8" in response.content.decode()


def test_cashiers_cannot_import_and_other_shops_imports_are_not_found(as_user, cashier, uploaded, other_owner):
    assert as_user(cashier).get(NEW).status_code == 403
    assert as_user(other_owner).get(url(uploaded)).status_code == 404
    assert as_user(other_owner).get(url(uploaded, "portal:member_import_errors")).status_code == 404
