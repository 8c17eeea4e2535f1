"""Large exports: a job written by a Celery task, a progress page, a download link that only
the requester can fetch, files that expire."""

import csv
import datetime
import io
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from openpyxl import load_workbook

from audit.models import AccessEvent, AccessKind
from rosters import tasks
from rosters.models import ExportStatus, RosterExport
from tests.conftest import require_service, uses_postgres
from tests.factories import MemberFactory, MembershipFactory
from tests.notifications.test_worker_kill import database_url, forget_killed_workers_messages
from tests.test_celery_worker import redis_answers
from tests.test_markup_a11y import problems


@pytest.fixture
def large(settings, tmp_path):
    """Every export counts as large; the files go to a throwaway MEDIA_ROOT."""
    settings.ROSTER_EXPORT_ASYNC_ROWS = 0
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def ask(client, user, **data):
    client.force_login(user)
    return client.post("/rosters/export/", {"file_format": "xlsx", **data})


def files_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def workbook_rows(body: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(body)).active
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def build(export: RosterExport) -> RosterExport:
    # The task's body, run here as a delivery would run it.
    assert tasks.roster_export_build(export.pk) == ExportStatus.DONE
    export.refresh_from_db()
    return export


def test_large_export_is_a_job_with_a_progress_page(client, district, chair_a, large):
    response = ask(client, chair_a)
    export = RosterExport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/rosters/exports/{export.pk}/"
    assert export.requested_by == chair_a
    assert export.status == ExportStatus.WAITING
    assert export.total == 1  # 赵丹, her market's one member
    page = client.get(response["Location"])
    assert b"<progress" in page.content
    assert "只有您本人可以下载此文件" in page.content.decode()  # Chinese first
    assert not problems(page.content.decode())
    assert b'hx-trigger="every 1s"' in page.content
    fragment = client.get(response["Location"], headers={"HX-Request": "true"})
    assert b"<html" not in fragment.content
    assert b"<progress" in fragment.content
    # Nothing was recorded yet: no file has been written.
    assert not AccessEvent.objects.filter(kind=AccessKind.EXPORT).exists()

    build(export)
    done = client.get(response["Location"], headers={"HX-Request": "true"})
    assert b"<progress" not in done.content
    assert b"hx-trigger" not in done.content  # polling stops
    assert not problems(done.content.decode(), fragment=True)
    assert f"/rosters/exports/{export.pk}/download/".encode() in done.content
    # A reload (full page) shows the same state.
    assert (
        f"/rosters/exports/{export.pk}/download/".encode()
        in client.get(response["Location"]).content
    )

    download = client.get(f"/rosters/exports/{export.pk}/download/")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    rows = workbook_rows(b"".join(download.streaming_content))
    assert [r[0] for r in rows[1:]] == ["赵丹"]


def test_the_build_and_the_download_are_recorded(client, district, district_staff, large):
    ask(client, district_staff, query="occupation=shop_owner", file_format="csv")
    export = build(RosterExport.objects.get())
    event = AccessEvent.objects.get(kind=AccessKind.EXPORT)
    assert event.username == "district_staff"
    assert event.row_count == export.row_count == 2
    assert event.detail["filter"]["occupation"] == "shop_owner"
    assert event.detail["format"] == "csv"
    assert event.detail["export"] == export.pk
    client.get(f"/rosters/exports/{export.pk}/download/")
    downloads = AccessEvent.objects.filter(detail__what="roster_export_download")
    assert downloads.get().detail["export"] == export.pk


@pytest.mark.parametrize("other", ["chair_b", "district_staff", "viewer"])
def test_only_the_requester_can_fetch_the_file(client, district, chair_a, large, other, request):
    ask(client, chair_a)
    export = build(RosterExport.objects.get())
    client.force_login(request.getfixturevalue(other))
    for url in (f"/rosters/exports/{export.pk}/", f"/rosters/exports/{export.pk}/download/"):
        assert client.get(url).status_code == 404
    # The attempt is recorded as someone probing another user's export.
    assert (
        AccessEvent.objects.filter(
            kind=AccessKind.PERMISSION_DENIED, object_id=str(export.pk)
        ).count()
        == 2
    )
    assert not AccessEvent.objects.filter(detail__what="roster_export_download").exists()


def test_task_delivered_twice_writes_one_file_and_one_record(client, district, chair_a, large):
    ask(client, chair_a)
    export = build(RosterExport.objects.get())
    first_name, first_finished = export.file.name, export.finished_at
    again = build(export)  # redelivered (acks_late): finds it done
    assert again.file.name == first_name
    assert again.finished_at == first_finished
    assert len(files_under(large)) == 1
    assert AccessEvent.objects.filter(kind=AccessKind.EXPORT).count() == 1


def test_delivery_after_a_worker_died_writes_it_again(client, district, chair_a, large):
    ask(client, chair_a)
    export = RosterExport.objects.get()
    # A worker took it, wrote half and died: the row says "building" and no file is kept.
    RosterExport.objects.filter(pk=export.pk).update(status=ExportStatus.BUILDING, progress=3)
    export = build(export)
    assert export.row_count == 1
    assert len(files_under(large)) == 1
    assert AccessEvent.objects.filter(kind=AccessKind.EXPORT).count() == 1


def test_a_gone_requester_gets_no_file(client, district, chair_a, large):
    ask(client, chair_a)
    export = RosterExport.objects.get()
    chair_a.is_active = False
    chair_a.save(update_fields=["is_active"])
    assert tasks.roster_export_build(export.pk) == ExportStatus.FAILED
    assert files_under(large) == []


def _sync_and_async(client, user, settings, **data):
    settings.ROSTER_EXPORT_ASYNC_ROWS = 10_000
    body = b"".join(ask(client, user, **data).streaming_content)
    settings.ROSTER_EXPORT_ASYNC_ROWS = 0
    response = ask(client, user, **data)
    export = build(RosterExport.objects.get(pk=int(response["Location"].split("/")[-2])))
    download = client.get(f"/rosters/exports/{export.pk}/download/")
    return body, b"".join(download.streaming_content)


@pytest.mark.parametrize(
    ("persona", "data"),
    [
        ("viewer", {"file_format": "csv"}),
        ("district_staff", {"file_format": "csv", "id_numbers": "1"}),
        ("chair_a", {"file_format": "csv"}),
    ],
)
def test_masks_and_id_numbers_exactly_as_the_synchronous_export(
    client, district, large, settings, persona, data, request
):
    member = MemberFactory(name="=HYPERLINK(1)", id_number="430203198503150024")
    MembershipFactory(member=member, organization=district.market_a.federation)
    sync, background = _sync_and_async(client, request.getfixturevalue(persona), settings, **data)
    assert sync == background
    rows = list(csv.reader(io.StringIO(background.decode("utf-8-sig"))))
    if persona == "viewer":
        assert "身份证号" not in rows[0]
        assert all("****" in r[2] for r in rows[1:])
    if persona == "district_staff":
        assert "430203198503150024" in {r[3] for r in rows[1:]}
    assert "'=HYPERLINK(1)" in {r[0] for r in rows[1:]}


def test_viewer_cannot_ask_for_id_numbers_in_a_large_export(client, district, viewer, large):
    assert ask(client, viewer, id_numbers="1").status_code == 403
    assert not RosterExport.objects.exists()


def test_expired_files_are_deleted(client, district, chair_a, large, settings, time_machine):
    settings.ROSTER_EXPORT_KEEP_DAYS = 7
    time_machine.move_to(datetime.datetime(2026, 11, 1, 10, 0, tzinfo=datetime.UTC))
    ask(client, chair_a)
    export = build(RosterExport.objects.get())
    assert tasks.roster_exports_expire() == 0  # not yet
    assert len(files_under(large)) == 1
    time_machine.move_to(datetime.datetime(2026, 11, 8, 10, 1, tzinfo=datetime.UTC))
    assert tasks.roster_exports_expire() == 1
    export.refresh_from_db()
    assert export.status == ExportStatus.EXPIRED
    assert not export.file
    assert files_under(large) == []
    client.force_login(chair_a)
    assert client.get(f"/rosters/exports/{export.pk}/download/").status_code == 404
    page = client.get(f"/rosters/exports/{export.pk}/")
    assert page.status_code == 200
    assert b"hx-trigger" not in page.content
    # Who took what stays on record after the file is gone.
    assert AccessEvent.objects.filter(kind=AccessKind.EXPORT).count() == 1


def test_hostile_ids_never_give_a_500(client, district, chair_a, large):
    ask(client, chair_a)
    export = RosterExport.objects.get()
    # Not written yet: no download.
    assert client.get(f"/rosters/exports/{export.pk}/download/").status_code == 404
    for path in (
        "/rosters/exports/99999999999999999999/",
        "/rosters/exports/99999999999999999999/download/",
        "/rosters/exports/0/",
        "/rosters/exports/%C2%B2/",
        "/rosters/exports/-1/download/",
        "/rosters/exports/" + "9" * 10_000 + "/",
    ):
        assert client.get(path).status_code == 404, path
    assert client.get(f"/rosters/exports/{export.pk}/%00/").status_code in {400, 404}
    # A crafted selection: ids that are not numbers, a NUL, a 10k query.
    assert ask(client, chair_a, ids=["²", "abc"]).status_code == 302
    assert ask(client, chair_a, ids=["1\x00"]).status_code == 400
    assert ask(client, chair_a, query="q=" + "赵" * 10_000).status_code == 302
    assert RosterExport.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_writes_the_export_and_a_second_delivery_does_nothing(
    client, district, district_staff, settings, tmp_path
):
    url = os.environ.get("REDIS_URL", "")
    require_service("Redis", bool(url) and redis_answers(url), "set REDIS_URL=redis://…")
    require_service("PostgreSQL", uses_postgres(), "set DATABASE_URL=postgres://…")
    assert not settings.CELERY_TASK_ALWAYS_EAGER
    settings.ROSTER_EXPORT_ASYNC_ROWS = 100
    settings.MEDIA_ROOT = tmp_path
    market = district.market_a.federation
    for index in range(300):
        member = MemberFactory(name=f"会员{index:03d}", mobile=f"137{index:08d}")
        MembershipFactory(member=member, organization=market)
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DATABASE_POOL": "0",
        "MEDIA_ROOT": str(tmp_path),
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo",
         "--loglevel", "WARNING", "--hostname", "pytest-roster-export@%h"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        response = ask(client, district_staff)
        assert response.status_code == 302
        export = RosterExport.objects.get()
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            poll = client.get(response["Location"], headers={"HX-Request": "true"})
            assert poll.status_code == 200
            assert b"<html" not in poll.content
            if b"<progress" not in poll.content:
                break
            time.sleep(0.5)
        export.refresh_from_db()
        assert export.status == ExportStatus.DONE, (export.error, worker.poll())
        assert export.row_count == export.total >= 300
        download = client.get(f"/rosters/exports/{export.pk}/download/")
        rows = workbook_rows(b"".join(download.streaming_content))
        assert len(rows) == export.row_count + 1
        assert "13700000042" in {r[2] for r in rows[1:]}  # staff: mobiles in full, as text

        # The same message delivered again, through the broker to the real worker.
        assert tasks.roster_export_build.delay(export.pk).get(timeout=60) == ExportStatus.DONE
        assert len(files_under(tmp_path)) == 1
        builds = AccessEvent.objects.filter(kind=AccessKind.EXPORT, detail__export=export.pk)
        whats = sorted(str(e.detail.get("what")) for e in builds)
        assert whats == ["None", "roster_export_download"]  # one build, one download
    finally:
        worker.terminate()
        worker.wait(timeout=20)
        forget_killed_workers_messages()
