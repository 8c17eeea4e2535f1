"""The import pages as a chair and staff use them, full page and htmx fragment."""

import io
import os
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from members.models import Member
from rosters import views
from rosters.models import BatchStatus, ImportBatch
from tests.conftest import require_service, uses_postgres
from tests.rosters.files import csv_bytes, xlsx
from tests.test_celery_worker import redis_answers

HEADERS = ["姓名", "手机号", "职业"]


def upload(client, user, market, data, name="roster.xlsx"):
    client.force_login(user)
    return client.post(
        "/rosters/import/",
        {"market": market.pk, "file": SimpleUploadedFile(name, data)},
    )


def test_chair_uploads_reviews_confirms_and_undoes(client, district, chair_a):
    market = district.market_a.federation
    data = xlsx(
        [HEADERS, ["王芳", "13900139001", "店员"], ["", "abc", ""]],
        title="邵兴城市场妇联会员花名册",
    )
    response = upload(client, chair_a, market, data)
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    page = client.get(response["Location"])
    assert page.status_code == 200
    text = page.content.decode()
    assert "王芳" in text
    assert 'data-outcome="new">1<' in text
    # The invalid row with its sheet row number (title row 1, headers row 2, row 4).
    assert "<td>4</td>" in text
    fragment = client.get(response["Location"], headers={"HX-Request": "true"})
    assert b"<html" not in fragment.content
    assert client.post(f"/rosters/imports/{batch.pk}/commit/").status_code == 302
    assert Member.objects.filter(mobile="13900139001").exists()
    assert client.post(f"/rosters/imports/{batch.pk}/undo/").status_code == 302
    assert not Member.objects.filter(mobile="13900139001").exists()


def test_crafted_upload_into_another_market_is_refused(client, district, chair_a):
    response = upload(client, chair_a, district.market_b.federation, xlsx([HEADERS]))
    assert response.status_code == 200  # the form: that market is not among her choices
    assert not ImportBatch.objects.exists()


def test_chair_cannot_open_another_markets_batch(client, district, chair_a):
    batch = ImportBatch.objects.create(organization=district.market_b.federation, file_name="x")
    client.force_login(chair_a)
    assert client.get(f"/rosters/imports/{batch.pk}/").status_code == 404
    assert client.post(f"/rosters/imports/{batch.pk}/commit/").status_code == 404


def test_unreadable_file_gets_a_clear_message(client, district, chair_a):
    response = upload(client, chair_a, district.market_a.federation, b"MZ\x90\x00binary", "x.xlsm")
    page = client.get(response["Location"])
    assert "xlsm" in page.content.decode()
    assert ImportBatch.objects.get().status == BatchStatus.FAILED


def test_mapping_can_be_corrected(client, district, district_staff):
    data = csv_bytes([["甲", "乙"], ["王芳", "13900139001"]], encoding="gbk")
    response = upload(client, district_staff, district.market_a.federation, data, "roster.csv")
    batch = ImportBatch.objects.get()
    assert batch.summary["new"] == 0
    client.post(f"/rosters/imports/{batch.pk}/mapping/", {"column": ["name", "mobile"]})
    batch.refresh_from_db()
    assert batch.mapping == ["name", "mobile"]
    assert batch.summary["new"] == 1
    assert response.status_code == 302


def test_invalid_rows_download_with_a_message_column(client, district, chair_a):
    data = xlsx([HEADERS, ["王芳", "1390013900", "店员"], ["李娜", "13900139002", "店员"]])
    upload(client, chair_a, district.market_a.federation, data)
    batch = ImportBatch.objects.get()
    response = client.get(f"/rosters/imports/{batch.pk}/invalid.xlsx")
    rows = list(load_workbook(io.BytesIO(response.content)).active.values)
    assert rows[0][:3] == tuple(HEADERS)
    assert len(rows) == 2
    assert rows[1][0] == "王芳"
    assert rows[1][3] == 2
    assert "手机" in rows[1][4]


def test_template_workbook_has_validation_lists(client, district, chair_a):
    client.force_login(chair_a)
    response = client.get("/rosters/template.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["A1"].value == "姓名"
    assert sheet["A2"].value == "赵丹"
    formulas = [v.formula1 for v in sheet.data_validations.dataValidation]
    assert any("群众" in (f or "") for f in formulas)


def test_viewer_cannot_import(client, district, viewer):
    client.force_login(viewer)
    assert client.get("/rosters/import/").status_code == 403


@pytest.mark.django_db(transaction=True)
def test_large_file_is_read_by_a_real_worker_with_progress(client, district, chair_a, monkeypatch):
    url = os.environ.get("REDIS_URL", "")
    require_service("Redis", bool(url) and redis_answers(url), "set REDIS_URL=redis://…")
    require_service("PostgreSQL", uses_postgres(), "set DATABASE_URL=postgres://…")
    monkeypatch.setattr(views, "INLINE_BYTES", 10)
    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "DATABASE_POOL": "0",
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo",
         "--loglevel", "WARNING", "--hostname", "pytest-rosters@%h"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        rows = [HEADERS] + [[f"会员{chr(0x4E00 + i)}", f"137{i:08d}", "店员"] for i in range(2000)]
        response = upload(client, chair_a, district.market_a.federation, xlsx(rows))
        batch = ImportBatch.objects.get()
        first = client.get(response["Location"])
        assert first.status_code == 200
        # The worker is still booting: the page shows the progress bar that polls itself.
        assert b"<progress" in first.content
        assert b'hx-trigger="every 1s"' in first.content
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            poll = client.get(response["Location"], headers={"HX-Request": "true"})
            assert b"<html" not in poll.content
            if b"<progress" not in poll.content:
                break
            time.sleep(0.5)
        batch.refresh_from_db()
        assert batch.status == BatchStatus.PREVIEWED, worker.poll()
        assert batch.summary["new"] == 2000, batch.summary
    finally:
        worker.terminate()
        worker.wait(timeout=20)


def test_hostile_input_never_gives_a_500(client, district, chair_a):
    market = district.market_a.federation
    hostile = [
        ["姓名", "手机号", "身份证号", "出生日期", "备注"],
        ["赵\x00丹", "1380013800²", "٣" * 18, "2023年13月40日", "x" * 10_000],
        ["=cmd|' /C calc'!A0", "+8613800138000", "4.30203E+17", "99999999", "<script>1</script>"],
    ]
    data = "\r\n".join(",".join(row) for row in hostile).encode("utf-8")
    response = upload(client, chair_a, market, data, "hostile.csv")
    batch = ImportBatch.objects.get()
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert b"<script>1</script>" not in page.content
    # A crafted mapping and a crafted "mark as left" of a member of market B.
    mapping = f"/rosters/imports/{batch.pk}/mapping/"
    assert client.post(mapping, {"column": ["²", "x" * 10_000]}).status_code == 302
    # NUL is refused before the view reads the form (config.middleware).
    assert client.post(mapping, {"column": ["\x00"]}).status_code == 400
    response = client.post(
        f"/rosters/imports/{batch.pk}/commit/", {"mark_left": [district.member_b.pk]}
    )
    assert response.status_code == 302
    district.member_b.refresh_from_db()
    assert district.member_b.status == "current"
    assert client.get(f"/rosters/imports/{batch.pk}/invalid.xlsx").status_code == 200
