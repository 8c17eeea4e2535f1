import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import MemberFactory, MembershipFactory
from work import selectors, services
from work.models import Activity, Attendance, Deed, Donation, JobPosting

pytestmark = pytest.mark.django_db


def test_chair_creates_a_weekly_series(client, chair_a, district, today):
    client.force_login(chair_a)
    response = client.post(
        reverse("activity_create"),
        {
            "organization": district.market_a.federation.pk,
            "kind": "charity_market",
            "title": "红星小掌柜亲子市集",
            "day": "2026-12-05",
            "start": "09:00",
            "end": "11:30",
            "venue_home": district.home_a.pk,
            "repeat_weekly": "3",
        },
    )
    assert response.status_code == 302
    days = [
        a.starts_at.astimezone(timezone.get_current_timezone()).date()
        for a in Activity.objects.order_by("starts_at")
    ]
    assert days == [
        datetime.date(2026, 12, 5),
        datetime.date(2026, 12, 12),
        datetime.date(2026, 12, 19),
    ]
    assert len({a.series_id for a in Activity.objects.all()}) == 1
    assert len({a.checkin_token for a in Activity.objects.all()}) == 3  # one QR per day


def test_chair_cannot_organize_for_another_market(client, chair_a, district, today):
    client.force_login(chair_a)
    response = client.post(
        reverse("activity_create"),
        {
            "organization": district.market_b.federation.pk,
            "kind": "training",
            "title": "x",
            "day": "2026-12-05",
            "start": "09:00",
            "end": "10:00",
            "venue_address": "某处",
            "repeat_weekly": "1",
        },
    )
    assert response.status_code == 200 and not Activity.objects.exists()


def test_bad_times_are_refused_with_a_message(client, chair_a, district, today):
    client.force_login(chair_a)
    response = client.post(
        reverse("activity_create"),
        {
            "organization": district.market_a.federation.pk,
            "kind": "training",
            "title": "x",
            "day": "2026-12-05",
            "start": "10:00",
            "end": "09:00",
            "repeat_weekly": "99",
        },
    )
    text = response.content.decode()
    assert "结束时间必须晚于开始时间" in text and "妇女之家或填写地址" in text
    assert not Activity.objects.exists()


def test_activity_list_is_a_page_and_a_fragment(client, chair_a, training):
    client.force_login(chair_a)
    page = client.get(reverse("activity_list"), {"year": "2026"})
    assert b"<html" in page.content and "直播带货培训" in page.content.decode()
    fragment = client.get(
        reverse("activity_list"), {"year": "2026"}, headers={"HX-Request": "true"}
    )
    assert b"<html" not in fragment.content and "直播带货培训" in fragment.content.decode()
    for hostile in ("²⁰²⁶", "9" * 10_000):
        assert client.get(reverse("activity_list"), {"year": hostile}).status_code == 200
    # NUL is refused before any view reads it (config.middleware), with a message.
    refused = client.get(reverse("activity_list"), {"year": "\x00"})
    assert refused.status_code == 400 and 'class="error"' in refused.content.decode()


def test_activity_list_queries_do_not_grow_with_rows(client, chair_a, training, district):
    client.force_login(chair_a)
    client.get(reverse("activity_list"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("activity_list"))
    for n in range(5):
        services.activity_create(
            organization=district.market_a.federation,
            kind="lecture",
            title=f"讲座{n}",
            starts_at=training.starts_at,
            ends_at=training.ends_at,
            venue_address="x",
            by=chair_a,
        )
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("activity_list"))
    assert len(many) == len(few)


def test_staff_add_a_member_from_the_directory_and_she_sees_it_on_her_record(
    client, chair_a, training, district
):
    client.force_login(chair_a)
    found = client.get(
        reverse("activity_member_search", args=[training.pk]),
        {"q": "赵丹"},
        headers={"HX-Request": "true"},
    )
    assert "赵丹" in found.content.decode() and b"<html" not in found.content
    response = client.post(
        reverse("activity_attendee_add", args=[training.pk]), {"member": district.member_a.pk}
    )
    assert response.status_code == 302
    record = client.get(reverse("member_detail", args=[district.member_a.pk])).content.decode()
    assert "直播带货培训" in record


def test_chair_cannot_add_another_markets_member(client, chair_a, training, district):
    client.force_login(chair_a)
    response = client.post(
        reverse("activity_attendee_add", args=[training.pk]), {"member": district.member_b.pk}
    )
    assert response.status_code == 404
    assert not Attendance.objects.exists()


def test_activities_year_counts_attendance_children_and_streamers(
    district, chair_a, chair_b, training
):
    extra = MemberFactory(name="钱多多")
    MembershipFactory(member=extra, organization=district.market_a.federation)
    services.attendance_add(activity=training, member=district.member_a, children=2, by=chair_a)
    services.attendance_add(activity=training, member=extra, by=chair_a)
    services.attendance_check_in(activity=training, name="客人", mobile="13700001111", children=1)
    lecture_b = Activity.objects.create(
        organization=district.market_b.federation,
        kind="lecture",
        title="宣讲",
        starts_at=training.starts_at,
        ends_at=training.ends_at,
        venue_address="x",
    )
    services.attendance_add(activity=lecture_b, member=district.member_b, by=chair_b)
    year = timezone.localtime(training.starts_at).year
    whole = selectors.activities_year(district.district, year)
    assert whole["activities"] == 2
    assert whole["by_kind"] == {"training": 1, "lecture": 1}
    assert whole["attendances"] == 4 and whole["guest_attendances"] == 1
    assert whole["members"] == 3 and whole["children"] == 3
    assert whole["members_trained_as_streamers"] == 2
    market_a = selectors.activities_year(district.market_a.federation, year)
    assert market_a["activities"] == 1 and market_a["members"] == 2
    assert selectors.activities_year(district.district, year - 1)["activities"] == 0


def test_deeds_jobs_donations_year(district, chair_a, district_staff, today):
    market = district.market_a.federation
    deed = services.deed_record(
        organization=market,
        title="帮商户办理营业执照",
        done_on=datetime.date(2026, 4, 1),
        by=chair_a,
        beneficiaries=[district.member_a],
        beneficiary_count=5,
    )
    services.deed_mark_done(deed=deed, by=chair_a)
    services.deed_record(
        organization=district.market_b.federation,
        title="b",
        done_on=datetime.date(2026, 4, 1),
        by=district_staff,
    )
    job = services.job_post(
        organization=market,
        by=chair_a,
        employer="丹丹童装",
        position="主播",
        openings=3,
        posted_on=datetime.date(2026, 3, 1),
        contact="王经理",
    )
    services.job_set_filled(job=job, filled=2, by=chair_a)
    services.donation_record(
        organization=market,
        kind="money",
        donor="爱心企业",
        value_yuan=Decimal("10000.50"),
        given_on=datetime.date(2026, 6, 1),
        by=chair_a,
    )
    services.donation_record(
        organization=market,
        kind="goods",
        donor="商户",
        value_yuan=Decimal("800"),
        goods="校服 40 套",
        given_on=datetime.date(2026, 6, 1),
        by=chair_a,
    )
    assert selectors.deeds_year(market, 2026) == {
        "deeds": 1,
        "done": 1,
        "open": 0,
        "beneficiary_members": 1,
        "beneficiaries_counted": 5,
    }
    assert selectors.deeds_year(district.district, 2026)["deeds"] == 2
    assert selectors.jobs_year(district.district, 2026) == {
        "postings": 1,
        "openings": 3,
        "filled": 2,
    }
    totals = selectors.donations_year(district.district, 2026)
    assert totals["value_yuan"] == Decimal("10800.50")
    assert totals["money_yuan"] == Decimal("10000.50") and totals["goods_yuan"] == Decimal("800")
    assert totals["donations"] == 2
    assert selectors.donations_year(district.district, 2025)["donations"] == 0


def test_viewer_reads_but_cannot_record(client, viewer, district, today):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.deed_record(
            organization=district.market_a.federation,
            title="x",
            done_on=datetime.date(2026, 1, 1),
            by=viewer,
        )
    client.force_login(viewer)
    assert client.get(reverse("deed_create")).status_code == 403
    assert client.get(reverse("deed_list")).status_code == 200


def test_public_job_page_lists_only_open_postings(client, district, today):
    market = district.market_a.federation
    common = {
        "organization": market,
        "employer": "丹丹童装",
        "contact": "王经理",
        "posted_on": datetime.date(2026, 11, 1),
    }
    JobPosting.objects.create(position="主播助理", openings=2, filled=1, **common)
    JobPosting.objects.create(position="已招满的店员", openings=1, filled=1, **common)
    JobPosting.objects.create(
        position="过期的理货员", openings=3, closes_on=datetime.date(2026, 11, 1), **common
    )
    text = client.get(reverse("jobs_public")).content.decode()  # no login
    assert (
        "主播助理" in text and "已招满" not in text.replace("已招 1 人", "") and "过期" not in text
    )


def test_job_and_donation_forms_refuse_bad_input(client, chair_a, district, today):
    client.force_login(chair_a)
    market = district.market_a.federation.pk
    response = client.post(
        reverse("job_create"),
        {
            "organization": market,
            "employer": "x",
            "position": "y",
            "openings": "0",
            "pay_min": "5000",
            "pay_max": "3000",
            "posted_on": "2026-11-01",
            "contact": "z",
        },
    )
    assert response.status_code == 200 and not JobPosting.objects.exists()
    response = client.post(
        reverse("donation_create"),
        {
            "kind": "money",
            "donor": "x",
            "organization": market,
            "value_yuan": "-5",
            "given_on": "2026-11-01",
        },
    )
    assert "不能为负数" in response.content.decode() or "大于或等于" in response.content.decode()
    assert not Donation.objects.exists()
    assert not Deed.objects.exists()


@pytest.mark.parametrize("name", ["deed_list", "job_list", "donation_list"])
def test_lists_are_a_page_and_a_fragment(client, chair_a, name, today):
    client.force_login(chair_a)
    page = client.get(reverse(name), {"year": "2026"})
    assert page.status_code == 200 and b"<html" in page.content
    fragment = client.get(reverse(name), {"year": "2026"}, headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and b"<html" not in fragment.content
    assert b'id="rows"' in fragment.content
    # Back after htmx left its cache: the whole page
    restore = client.get(
        reverse(name), headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert b"<html" in restore.content


def test_counsellor_sees_no_work_of_any_market(client, counsellor, training):
    client.force_login(counsellor)
    assert "直播带货培训" not in client.get(reverse("activity_list")).content.decode()
    assert client.get(reverse("activity_detail", args=[training.pk])).status_code == 404
    assert client.get(reverse("activity_create")).status_code == 403


def test_the_service_refuses_a_member_outside_her_scope(district, chair_a, training):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.attendance_add(activity=training, member=district.member_b, by=chair_a)
    assert not Attendance.objects.exists()


def test_directory_search_reloaded_is_the_whole_activity_page(client, chair_a, training):
    client.force_login(chair_a)
    url = reverse("activity_member_search", args=[training.pk])
    page = client.get(url, {"q": "赵丹"})
    text = page.content.decode()
    assert b"<html" in page.content and "直播带货培训" in text and "添加 赵丹" in text
    assert 'src="data:image/svg+xml' in text


def test_activity_list_is_newest_first(client, chair_a, training, district):
    later = services.activity_create(
        organization=district.market_a.federation,
        kind="lecture",
        title="后来的讲座",
        starts_at=training.starts_at + datetime.timedelta(days=1),
        ends_at=training.ends_at + datetime.timedelta(days=1),
        venue_address="x",
        by=chair_a,
    )[0]
    client.force_login(chair_a)
    text = client.get(reverse("activity_list")).content.decode()
    assert text.index(later.title) < text.index(training.title)
