"""Every URL of the project, for every persona, on an object inside and outside her scope.

A URL pattern without a rule here fails the test: a new page must say who may use it.
Outside her scope a user gets 403 or 404; an anonymous visitor is sent to the login page.
"""

import datetime
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from federation.models import Position
from members.models import TransferRequest
from notifications.models import Channel, Notice
from reports import services
from rosters.models import ImportBatch
from tests.factories import MarketFactory, OfficeFactory, TermFactory

OK = {200, 302, 400}
DENIED = {403, 404}

# What each persona may do with the objects of side "a" (market A, 邵兴城) and "b" (market B).
SCOPES = {
    "district_staff": {
        "see": "ab",
        "change": "ab",
        "administer": "ab",
        "log": True,
        "counsel": "ab",
    },
    "chair_a": {"see": "a", "change": "a", "administer": "", "log": False, "counsel": ""},
    "chair_b": {"see": "b", "change": "b", "administer": "", "log": False, "counsel": ""},
    "viewer": {"see": "ab", "change": "", "administer": "", "log": False, "counsel": ""},
}


@dataclass
class Rule:
    # public | login | see | change | administer | create | log | superuser
    # | counsel (counsellors and district staff) | assigned_counsellor (her own request only)
    # | requester (the user who asked for it, nobody else)
    level: str
    method: str = "get"
    data: dict | None = None
    kwargs: str = ""  # which objects fill the URL: "org", "member", "office", "grant", ...


RULES = {
    # accounts
    "login": Rule("public"),
    "login_verify": Rule("public"),
    # The language switch works before logging in (issue 8).
    "set_language": Rule("public", method="post", data={"language": "en"}),
    "logout": Rule("login", method="post"),
    "password_change": Rule("login"),
    "second_factor": Rule("login"),
    # The admin is for superusers: a logged-in persona gets 403, never a redirect loop.
    "admin_login_redirect": Rule("superuser"),
    # audit
    "access_log": Rule("log"),
    # federation
    "dashboard": Rule("login"),
    "organization_tree": Rule("login"),
    # Every login gets the list; it holds only what she may see (tests/federation).
    "organization_list": Rule("login"),
    "organization_detail": Rule("see", kwargs="org"),
    "organization_election": Rule("administer", kwargs="org"),
    "organization_election_logins": Rule("administer", kwargs="org"),
    "office_add": Rule("administer", kwargs="org"),
    "office_replace": Rule("administer", kwargs="org,office"),
    "office_end": Rule("administer", kwargs="org,office"),
    "organization_member_search": Rule("see", kwargs="org", data={"q": "z"}),
    "organization_member_chip": Rule("see", kwargs="org"),
    "member_chip_remove": Rule("login"),
    "organization_logins": Rule("administer", kwargs="org"),
    "login_create": Rule("administer", method="post", kwargs="org"),
    "role_grant_revoke": Rule("administer", method="post", kwargs="org,grant", data={}),
    "login_deactivate": Rule("administer", method="post", kwargs="org,grant", data={}),
    "login_password_reset": Rule("administer", method="post", kwargs="org,grant", data={}),
    # members
    "member_list": Rule("login"),
    # Searches only the members she may see (none for a role without member access).
    "member_picker_search": Rule("login", data={"q": "z"}),
    # Which member a chip may show is proven per history shape below.
    "member_picker_chip": Rule("login", data={"member": "not an id"}),
    "member_bulk": Rule("login", method="post", data={"action": "add_tag", "tag": "x"}),
    "member_create": Rule("create"),
    "member_detail": Rule("see", kwargs="member"),
    "member_edit": Rule("change", kwargs="member"),
    "member_leave": Rule("change", kwargs="member"),
    "member_restore": Rule("change", method="post", kwargs="member"),
    "member_transfer": Rule("change", kwargs="member"),
    # PIPL hand-over and erasure: district staff only (the same people as the access log).
    "member_personal_data": Rule("log", kwargs="member"),
    "member_unmask": Rule("change", method="post", kwargs="member,field"),
    "transfer_list": Rule("login"),
    "member_transfer_in": Rule("create", method="post", data={"mobile": "13000000000"}),
    "transfer_decide": Rule("change", method="post", kwargs="transfer", data={"decision": "?"}),
    # work (issue 12)
    "activity_list": Rule("login"),
    "activity_create": Rule("create"),
    "activity_detail": Rule("see", kwargs="activity"),
    "activity_member_search": Rule("change", kwargs="activity", data={"q": "z"}),
    "activity_attendee_add": Rule("change", method="post", kwargs="activity", data={"member": "x"}),
    "activity_attendee_remove": Rule("change", method="post", kwargs="activity,attendance"),
    "activity_checkin": Rule("public", kwargs="checkin"),
    "deed_list": Rule("login"),
    "deed_create": Rule("create"),
    "deed_done": Rule("change", method="post", kwargs="deed"),
    "job_list": Rule("login"),
    "job_create": Rule("create"),
    "job_filled": Rule("change", method="post", kwargs="job", data={"filled": "0"}),
    "jobs_public": Rule("public"),
    "donation_list": Rule("login"),
    "donation_create": Rule("create"),
    "activity_edit": Rule("change", kwargs="activity"),
    "activity_delete": Rule("change", kwargs="activity"),
    "deed_edit": Rule("change", kwargs="deed"),
    "deed_delete": Rule("change", kwargs="deed"),
    "job_edit": Rule("change", kwargs="job"),
    "job_delete": Rule("change", kwargs="job"),
    "donation_edit": Rule("change", kwargs="donation"),
    "donation_delete": Rule("change", kwargs="donation"),
    # counselling (issue 12): requests for counsellors and district staff only
    "counselling_intake": Rule("public", kwargs="intake"),
    "counselling_intake_done": Rule("public", kwargs="intake"),
    "counselling_poster": Rule("change", kwargs="org"),
    "counselling_requests": Rule("counsel"),
    "counselling_roster": Rule("counsel"),
    "counselling_request": Rule("counsel", kwargs="request"),
    "counselling_assign": Rule("counsel", method="post", kwargs="request", data={}),
    "counselling_called_back": Rule("assigned_counsellor", method="post", kwargs="request"),
    "counselling_close": Rule("assigned_counsellor", method="post", kwargs="request"),
    # reports (yearly statistics)
    "statistics": Rule("login"),
    "statistics_report": Rule("see", kwargs="org"),
    "statistics_export": Rule("see", method="post", kwargs="org", data={"year": "2026"}),
    "statistics_exports": Rule("see", kwargs="org"),
    "statistics_export_download": Rule("see", kwargs="org,export"),
    "statistics_confirm": Rule("change", method="post", kwargs="org", data={"year": "2026"}),
    "statistics_close": Rule("administer", kwargs="org"),
    # rosters
    "roster_import": Rule("create"),
    "roster_template": Rule("create"),
    "roster_export": Rule("login", method="post", data={"file_format": "csv"}),
    "roster_batch": Rule("change", kwargs="batch"),
    "roster_mapping": Rule("change", method="post", kwargs="batch", data={"column": "name"}),
    "roster_commit": Rule("change", method="post", kwargs="batch", data={}),
    "roster_undo": Rule("change", method="post", kwargs="batch", data={}),
    "roster_invalid_rows": Rule("change", kwargs="batch"),
    # A large export's page and file: its requester only (side a: chair_a's, b: chair_b's).
    "roster_export_status": Rule("requester", kwargs="roster_export"),
    "roster_export_download": Rule("requester", kwargs="roster_export"),
    # notifications
    "notice_list": Rule("login"),
    "notice_compose": Rule("create"),
    "notice_detail": Rule("change", kwargs="notice"),
    "notice_cancel": Rule("change", method="post", kwargs="notice"),
    "notice_retry": Rule("change", method="post", kwargs="notice"),
    # Her consent and opt-out per channel (issue 11): those who may change her.
    "member_consent": Rule("change", kwargs="member"),
    # The gateway's callbacks: no login, a signature (unsigned: 400, forged: 403).
    "sms_receipts": Rule("public", method="post"),
    "sms_inbound": Rule("public", method="post"),
}


def url_patterns(resolver=None, prefix=""):
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            if str(entry.pattern) in {"admin/", "i18n/"}:
                continue
            yield from url_patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield entry.name, prefix + str(entry.pattern)


@pytest.fixture
def sides(district, chair_a, chair_b, settings, tmp_path):
    """Objects of side a and side b, of every kind a URL takes."""
    settings.MEDIA_ROOT = tmp_path  # the workbooks built below
    third = MarketFactory(name="大汉悦中心", cluster=district.cluster).federation
    objects = {}
    for side, market, member, chair in (
        ("a", district.market_a.federation, district.member_a, chair_a),
        ("b", district.market_b.federation, district.member_b, chair_b),
    ):
        term = TermFactory(organization=market, number=2, starts_on=datetime.date(2025, 3, 1))
        office = OfficeFactory(term=term, member=member, position=Position.EXECUTIVE)
        transfer = TransferRequest.objects.create(
            member=member,
            from_organization=market,
            to_organization=third,
            effective_on=datetime.date(2026, 12, 1),
        )
        notice = Notice.objects.create(
            organization=market,
            title="会员大会",
            channel=Channel.EMAIL,
            body="{姓名}您好",
            send_at=timezone.now() + datetime.timedelta(days=1),
            created_by=chair,
        )
        objects[side] = {
            "notice": notice.pk,
            "org": market.pk,
            "member": member.pk,
            "office": office.pk,
            "office_id": office.pk,
            "grant": chair.role_grants.get().pk,
            "transfer": transfer.pk,
            "export": _built_export(market, chair).pk,
            "batch": ImportBatch.objects.create(organization=market, file_name="x.csv").pk,
            "roster_export": _built_roster_export(chair).pk,
        }
        objects[side].update(_work_objects(market, member))
    return objects


def _work_objects(market, member) -> dict:
    from django.utils import timezone

    from counselling.models import CounsellingService, IntakePoint
    from counselling.services import request_submit
    from work.models import Activity, Attendance, Deed, Donation, JobPosting

    start = timezone.now() - datetime.timedelta(hours=1)
    activity = Activity.objects.create(
        organization=market,
        kind="training",
        title="直播带货培训",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=3),
        venue_address="三楼",
    )
    attendance = Attendance.objects.create(activity=activity, member=member, source="added")
    deed = Deed.objects.create(organization=market, title="修缮", done_on=datetime.date(2026, 5, 1))
    job = JobPosting.objects.create(
        organization=market,
        employer="丹丹童装",
        position="主播",
        openings=2,
        posted_on=datetime.date(2026, 5, 1),
        contact="王经理",
    )
    donation = Donation.objects.create(
        organization=market,
        kind="money",
        donor="爱心商户",
        value_yuan=1000,
        given_on=datetime.date(2026, 5, 1),
    )
    service, _ = CounsellingService.objects.get_or_create(
        name="心理咨询", kind="psychological", organization=market.parent
    )
    intake = IntakePoint.objects.create(organization=market)
    request = request_submit(
        intake=intake,
        service=service,
        slot=None,
        form_of_address="王姐",
        mobile="13800001111",
        consent=True,
    )
    return {
        "activity": activity.pk,
        "attendance": attendance.pk,
        "checkin": activity.checkin_token,
        "deed": deed.pk,
        "job": job.pk,
        "donation": donation.pk,
        "intake": intake.token,
        "request": request.pk,
    }


def _built_export(organization, user):
    export = services.workbook_export_request(organization=organization, year=2025, by=user)
    return services.workbook_export_build(export_id=export.pk)


def _built_roster_export(user):
    from rosters import services as rosters_services

    export = rosters_services.roster_export_request(
        user=user,
        selection=rosters_services.ExportSelection(everything=True),
        file_format="csv",
        id_numbers_asked=False,
        total=1,
    )
    return rosters_services.roster_export_build(export_id=export.pk)


# Who asked for the exports of each side (rule level "requester").
REQUESTERS = {"a": "chair_a", "b": "chair_b"}


def build_url(route: str, kwargs: str, objects: dict) -> str:
    url = "/" + route
    names = [name for name in kwargs.split(",") if name]
    values = {
        "org": objects["org"],
        "member": objects["member"],
        "office": objects["office"],
        "grant": objects["grant"],
        "transfer": objects["transfer"],
        "export": objects["export"],
        "batch": objects["batch"],
        "roster_export": objects["roster_export"],
        "notice": objects["notice"],
        "field": "mobile",
        **{
            key: objects[key]
            for key in (
                "activity",
                "attendance",
                "checkin",
                "deed",
                "job",
                "donation",
                "intake",
                "request",
            )
        },
    }
    # Fill the route's converters in order with the objects the rule names.
    import re

    for name in names:
        url = re.sub(r"<(int|str):\w+>", str(values[name]), url, count=1)
    assert "<" not in url, f"{route}: the rule does not fill every part of the URL"
    return url


def allowed(level: str, persona: str, side: str) -> bool:
    scope = SCOPES[persona]
    if level in {"public", "login"}:
        return True
    if level == "log":
        return scope["log"]
    if level in {"superuser", "assigned_counsellor"}:
        return False
    if level == "requester":
        return REQUESTERS.get(side) == persona
    if level == "counsel" and side == "-":
        return bool(scope["counsel"])
    if level == "create":
        return bool(scope["change"])
    return side in scope[level]


def test_every_url_has_a_rule():
    missing = {name for name, _ in url_patterns() if name not in RULES}
    assert not missing, f"URLs without a permission rule: {sorted(missing)}"
    stale = set(RULES) - {name for name, _ in url_patterns()}
    assert not stale, f"rules for URLs that no longer exist: {sorted(stale)}"


@pytest.mark.parametrize("persona", [*SCOPES, "anonymous"])
def test_permission_matrix(persona, request, sides):
    client = Client()
    user = None if persona == "anonymous" else request.getfixturevalue(persona)
    failures = []
    for name, route in url_patterns():
        rule = RULES[name]
        for side in ("a", "b") if rule.kwargs else ("-",):
            url = build_url(route, rule.kwargs, sides.get(side, sides["a"]))
            if user is not None:
                client.force_login(user)  # a fresh session: logout earlier in the walk
            call = client.post if rule.method == "post" else client.get
            response = call(url, rule.data or {})
            status = response.status_code
            if persona == "anonymous":
                if rule.level == "public":
                    ok = status in OK
                else:
                    ok = status == 302 and "/login/" in response["Location"]
            elif allowed(rule.level, persona, side):
                ok = status in OK
            else:
                ok = status in DENIED
            if not ok:
                failures.append(
                    f"{persona} {rule.method.upper()} {url} ({name}, side {side}): {status}"
                )
    assert not failures, "\n".join(failures)


# --- Members in every history shape (issue 8) ------------------------------------------------
#
# A member is seen through her open memberships; a member who left through the memberships she
# held on the day she left (not every organization she ever belonged to); an erased member
# only by those who handle personal data. Each shape says which personas see her.

SHAPE_VIEWERS = {
    "current_in_a": {"district_staff", "chair_a", "viewer"},
    "left_in_a": {"district_staff", "chair_a", "viewer"},
    "moved_a_to_b": {"district_staff", "chair_b", "viewer"},
    "moved_a_to_b_then_left": {"district_staff", "chair_b", "viewer"},
    "left_in_a_restored_in_b": {"district_staff", "chair_b", "viewer"},
    "erased_in_a": {"district_staff"},
}
SHAPE_CHANGERS = {
    "current_in_a": {"district_staff", "chair_a"},
    "left_in_a": {"district_staff", "chair_a"},
    "moved_a_to_b": {"district_staff", "chair_b"},
    "moved_a_to_b_then_left": {"district_staff", "chair_b"},
    "left_in_a_restored_in_b": {"district_staff", "chair_b"},
    "erased_in_a": {"district_staff"},
}
SHAPE_PERSONAS = ["district_staff", "chair_a", "chair_b", "viewer", "counsellor", "outsider"]


@pytest.fixture
def shapes(district, district_staff, time_machine):
    """One member per history shape, each made through the services as the product does."""
    from members import services
    from members.models import TransferRequest
    from tests.factories import MemberFactory, MembershipFactory

    time_machine.move_to(datetime.datetime(2026, 11, 30, 10, 0), tick=True)
    market_a, market_b = district.market_a.federation, district.market_b.federation
    made = {}
    for index, shape in enumerate(SHAPE_VIEWERS):
        member = MemberFactory(name=f"历史{index}号")
        MembershipFactory(member=member, organization=market_a)
        made[shape] = member
    by = district_staff

    def move(member):
        transfer = services.transfer_request(
            member=member,
            to_organization=market_b,
            effective_on=datetime.date(2024, 3, 1),
            reason="",
            by=by,
            by_receiver=False,
        )
        services.transfer_confirm(transfer=TransferRequest.objects.get(pk=transfer.pk), by=by)

    services.member_mark_left(
        member=made["left_in_a"], left_on=datetime.date(2025, 1, 1), reason="x", by=by
    )
    move(made["moved_a_to_b"])
    move(made["moved_a_to_b_then_left"])
    services.member_mark_left(
        member=made["moved_a_to_b_then_left"], left_on=datetime.date(2025, 5, 1), reason="x", by=by
    )
    services.member_mark_left(
        member=made["left_in_a_restored_in_b"],
        left_on=datetime.date(2025, 1, 1),
        reason="x",
        by=by,
    )
    made["left_in_a_restored_in_b"].refresh_from_db()
    services.member_restore(
        member=made["left_in_a_restored_in_b"],
        market=market_b,
        restored_on=datetime.date(2026, 2, 1),
        by=by,
    )
    services.member_erase(member=made["erased_in_a"], by=by)
    for shape in made:
        made[shape].refresh_from_db()
    return made


@pytest.mark.parametrize("persona", SHAPE_PERSONAS)
def test_members_in_every_history_shape(persona, request, shapes):
    from members.models import Member
    from members.selectors import member_abilities, members_changeable_by, members_visible_to

    user = request.getfixturevalue(persona)
    client = Client()
    client.force_login(user)
    failures = []
    visible = set(members_visible_to(user).values_list("pk", flat=True))
    changeable = set(members_changeable_by(user).values_list("pk", flat=True))
    listing = client.get("/members/", {"status": "all"}).content.decode()
    current = set(Member.objects.current().values_list("pk", flat=True))
    for shape, member in shapes.items():
        sees = persona in SHAPE_VIEWERS[shape]
        changes = persona in SHAPE_CHANGERS[shape]
        can = member_abilities(user=user, member=member)
        detail = client.get(f"/members/{member.pk}/").status_code
        unmask = client.post(f"/members/{member.pk}/unmask/mobile/").status_code
        chip = client.get(
            "/members/picker/chip/", {"member": member.pk}, headers={"HX-Request": "true"}
        ).status_code
        observed = {
            "selector sees": member.pk in visible,
            "selector changes": member.pk in changeable,
            "abilities see": can.see,
            "abilities change": can.change,
            "detail page": detail == 200,
            "unmask": unmask == 200,
            "directory": member.name in listing and not member.erased_at,
            "picker chip": chip == 200,
        }
        expected = {
            "selector sees": sees,
            "selector changes": changes,
            "abilities see": sees,
            "abilities change": changes,
            "detail page": sees,
            "unmask": changes,
            "directory": sees and not member.erased_at,
            # The picker offers current members only (a deed's beneficiary, an officer).
            "picker chip": sees and member.pk in current,
        }
        for what, value in observed.items():
            if value != expected[what]:
                failures.append(f"{persona} · {shape} · {what}: {value}, expected {expected[what]}")
        if not sees:
            assert detail == 404, (persona, shape, detail)
    assert not failures, "\n".join(failures)
