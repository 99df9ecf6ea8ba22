"""On PostgreSQL the import's progress is visible to the page while the import's own transaction is still open."""

from __future__ import annotations

import pytest
from django.db import connections

from loyalty.models import Member
from loyalty.portal import imports
from loyalty.portal.models import ImportStatus, MemberImport
from loyalty.services import member_import_write

pytestmark = pytest.mark.postgres


def test_progress_is_seen_from_outside_the_import(transactional_db, shop, monkeypatch):
    data = "phone\n" + "".join(f"09012345{n:02d}\n" for n in range(5))
    member_import = imports.import_upload(shop=shop, user=None, file_name="f.csv", data=data.encode())
    MemberImport.objects.filter(pk=member_import.pk).update(status=ImportStatus.RUNNING, mapping={"0": "phone"})
    seen = []
    original = member_import_write._report

    def report(progress, done, total):
        original(progress, done, total)
        outside = connections.create_connection("default")  # what the page's request would read
        with outside.cursor() as cursor:
            cursor.execute(f"SELECT done, total FROM {MemberImport._meta.db_table} WHERE id = %s", [member_import.pk])
            seen.append(cursor.fetchone())
            cursor.execute(f"SELECT COUNT(*) FROM {Member._meta.db_table}")
            seen.append(("members", cursor.fetchone()[0]))
        outside.close()

    monkeypatch.setattr(member_import_write, "_report", report)
    imports.import_run(member_import.pk)
    # Set-based on PostgreSQL: the progress moves after each of the six statements that write, never seen as
    # members by anyone outside until the import commits.
    steps = [(5 * step // 6, 5) for step in range(1, 7)]
    assert seen == [item for pair in steps for item in (pair, ("members", 0))]
    member_import.refresh_from_db()
    assert (member_import.status, member_import.imported, member_import.percent) == (ImportStatus.DONE, 5, 100)
