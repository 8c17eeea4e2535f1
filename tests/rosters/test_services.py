"""The reviewed diff, the all-or-nothing commit and undo, against the real database."""

import datetime
import json
import zlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import ChangeRecord
from federation.models import MemberCount
from members import crypto
from members import services as member_services
from members.counts import counts_from_scratch
from members.models import Member, MemberStatus, TransferRequest, mask_id_number
from rosters import services
from rosters.models import BatchStatus, ColumnMapping, ImportBatch
from tests.factories import MemberFactory, MembershipFactory, make_id_number
from tests.rosters.files import ID_1, ID_2, xlsx

HEADERS = ["姓名", "手机号", "身份证号码", "职业", "备注", "入会日期"]


def counts_are_exact() -> bool:
    stored = dict(MemberCount.objects.values_list("organization_id", "members"))
    return all(stored.get(pk, 0) == n for pk, n in counts_from_scratch().items())


@pytest.fixture
def market(district):
    return district.market_a.federation


@pytest.fixture
def stays(district, market):
    """A member of market A who is not in the uploaded sheet."""
    member = MemberFactory(name="孙丽", mobile="13600136000")
    MembershipFactory(member=member, organization=market)
    return member


def upload(user, market, rows, filename="roster.xlsx"):
    batch = services.batch_create(
        organization=market,
        by=user,
        data=xlsx(rows, title="邵兴城市场妇联会员花名册"),
        filename=filename,
    )
    return services.batch_preview(batch=batch, by=user)


def outcomes(batch):
    return {row["n"]: row for row in services.batch_rows(batch)["rows"]}


def test_preview_diff(district, district_staff, market, stays):
    a, b = district.member_a, district.member_b
    batch = upload(
        district_staff,
        market,
        [
            HEADERS,
            [a.name, a.mobile, a.id_number, "主播", "新备注"],  # changed
            ["王芳", "13900139001", ID_1, "店员", ""],  # new
            ["李芳", b.mobile, "", "商户", ""],  # in market B: transfer
            ["王芳", "13900139001", "", "店员", ""],  # duplicate in file
            ["", "12345", "", "", ""],  # invalid
        ],
    )
    assert batch.status == BatchStatus.PREVIEWED
    rows = outcomes(batch)
    assert rows[3]["o"] == "changed"
    assert rows[3]["shown"]["occupation"] == ["shop_owner", "streamer"]
    assert rows[3]["shown"]["notes"] == ["", "新备注"]
    assert rows[4]["o"] == "new"
    assert rows[4]["v"]["birth_date"] == "1985-03-15"
    assert rows[5]["o"] == "transfer"
    # Only where she is now; nothing of her record in market B.
    assert rows[5]["market"] == "天泽华丽妇联"
    assert set(rows[5]) <= {"n", "o", "other", "market", "v"}
    assert rows[6]["o"] == "duplicate"
    assert rows[6]["first"] == 4
    assert rows[7]["o"] == "invalid"
    assert set(rows[7]["e"]) == {"name", "mobile"}
    missing = services.batch_rows(batch)["missing"]
    assert [m["m"] for m in missing] == [stays.pk]
    assert missing[0]["mobile"] == "136****6000"
    assert batch.summary["new"] == 1
    assert batch.summary["missing"] == 1


def test_match_by_mobile_then_name_and_birth_date(district, district_staff, market):
    a = district.member_a
    batch = upload(
        district_staff,
        market,
        [["姓名", "手机号", "出生日期"], [a.name, "13999999999", a.birth_date]],
    )
    row = outcomes(batch)[3]
    assert row["o"] == "changed"
    assert row["m"] == a.pk
    assert row["shown"]["mobile"] == [a.mobile, "13999999999"]


def test_commit_applies_everything_and_records_the_batch(district, district_staff, market, stays):
    a, b = district.member_a, district.member_b
    batch = upload(
        district_staff,
        market,
        [
            HEADERS,
            [a.name, a.mobile, "", "主播", ""],
            ["王芳", "13900139001", ID_1, "店员", "", "2023.3.5"],
            ["李芳", b.mobile, "", "", ""],
        ],
    )
    batch = services.batch_commit(
        batch=batch, by=district_staff, mark_left=[stays.pk], request_transfers=True
    )
    assert batch.status == BatchStatus.COMMITTED
    assert bytes(ImportBatch.objects.get(pk=batch.pk).file_data) == b""
    a.refresh_from_db()
    assert a.occupation == "streamer"
    new = Member.objects.get(mobile="13900139001")
    assert new.id_number == ID_1
    assert new.birth_date == datetime.date(1985, 3, 15)
    assert new.joined_on == datetime.date(2023, 3, 5)
    membership = new.memberships.get()
    assert membership.organization == market
    assert membership.starts_on == datetime.date(2023, 3, 5)
    stays.refresh_from_db()
    assert stays.status == MemberStatus.LEFT
    transfer = TransferRequest.objects.get(member=b)
    assert transfer.to_organization == market
    for member in (a, new, stays):
        record = ChangeRecord.objects.filter(object_id=str(member.pk)).order_by("-pk").first()
        assert record.params["batch"] == batch.pk
    assert counts_are_exact()
    # The confirmed mapping is remembered for the market's next upload.
    assert ColumnMapping.objects.get(organization=market).columns["手机号"] == "mobile"


def test_missing_members_are_not_marked_left_unless_chosen(district, district_staff, market, stays):
    batch = upload(district_staff, market, [HEADERS, ["王芳", "13900139001", "", "", ""]])
    services.batch_commit(batch=batch, by=district_staff)
    stays.refresh_from_db()
    assert stays.status == MemberStatus.CURRENT


def test_a_failure_in_the_middle_leaves_the_database_unchanged(
    district, district_staff, market, monkeypatch
):
    monkeypatch.setattr(member_services, "_UPDATE_CHUNK", 1)
    monkeypatch.setattr(member_services, "_INSERT_CHUNK", 1)
    a = district.member_a
    batch = upload(
        district_staff,
        market,
        [
            HEADERS,
            [a.name, a.mobile, "", "主播", ""],
            ["王芳", "13900139001", "", "", ""],
            ["周敏", "13900139002", "", "", ""],
        ],
    )
    # Someone registers 周敏's mobile in market B after the preview: the second insert fails.
    MembershipFactory(
        member=MemberFactory(name="周敏", mobile="13900139002"),
        organization=district.market_b.federation,
    )
    members_before = Member.objects.count()
    records_before = ChangeRecord.objects.count()
    with pytest.raises(ValidationError):
        services.batch_commit(batch=batch, by=district_staff)
    assert Member.objects.count() == members_before
    assert ChangeRecord.objects.count() == records_before
    a.refresh_from_db()
    assert a.occupation == "shop_owner"
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PREVIEWED
    assert counts_are_exact()


def test_commit_refused_when_a_member_changed_after_the_preview(district, district_staff, market):
    a = district.member_a
    batch = upload(district_staff, market, [HEADERS, [a.name, a.mobile, "", "主播", ""]])
    member_services.member_update(member=a, version=a.version, by=district_staff, notes="改过")
    with pytest.raises(ValidationError):
        services.batch_commit(batch=batch, by=district_staff)


def test_undo_restores_exactly_the_previous_values(district, district_staff, market, stays):
    a = district.member_a
    before = Member.objects.values().get(pk=a.pk)
    before_id = a.id_number
    batch = upload(
        district_staff,
        market,
        [HEADERS, ["赵丹丹", a.mobile, "", "主播", "备注"], ["王芳", "13900139001", ID_2, "", ""]],
    )
    batch = services.batch_commit(batch=batch, by=district_staff, mark_left=[stays.pk])
    batch = services.batch_undo(batch=batch, by=district_staff)
    assert batch.status == BatchStatus.UNDONE
    after = Member.objects.values().get(pk=a.pk)
    for name in ("name", "name_pinyin", "occupation", "notes", "mobile", "id_number_digest"):
        assert after[name] == before[name]
    assert Member.objects.get(pk=a.pk).id_number == before_id
    assert not Member.objects.filter(mobile="13900139001").exists()
    stays.refresh_from_db()
    assert stays.status == MemberStatus.CURRENT
    assert stays.memberships.filter(ends_on__isnull=True, organization=market).exists()
    assert counts_are_exact()
    with pytest.raises(ValidationError):
        services.batch_undo(batch=batch, by=district_staff)


def test_undo_refused_once_a_later_change_touches_her(district, district_staff, market):
    a = district.member_a
    batch = upload(district_staff, market, [HEADERS, [a.name, a.mobile, "", "主播", ""]])
    batch = services.batch_commit(batch=batch, by=district_staff)
    a.refresh_from_db()
    member_services.member_update(member=a, version=a.version, by=district_staff, notes="后来改的")
    with pytest.raises(ValidationError):
        services.batch_undo(batch=batch, by=district_staff)
    a.refresh_from_db()
    assert a.occupation == "streamer"


def test_chair_imports_only_into_her_own_market(district, chair_a):
    with pytest.raises(PermissionDenied):
        services.batch_create(
            organization=district.market_b.federation,
            by=chair_a,
            data=xlsx([HEADERS]),
            filename="x.xlsx",
        )


def test_chair_id_numbers_match_but_are_not_stored(district, chair_a, market):
    batch = upload(chair_a, market, [HEADERS, ["王芳", "13900139001", ID_1, "", ""]])
    assert batch.summary["notes"]
    services.batch_commit(batch=batch, by=chair_a)
    member = Member.objects.get(mobile="13900139001")
    assert member.id_number == ""
    assert member.birth_date == datetime.date(1985, 3, 15)


def test_preview_query_count_does_not_grow_with_rows(
    district, district_staff, market, django_assert_max_num_queries
):
    rows = [HEADERS] + [
        [f"会员{chr(0x4E00 + i)}", f"139{i:08d}", make_id_number(), "", ""] for i in range(300)
    ]
    batch = services.batch_create(
        organization=market, by=district_staff, data=xlsx(rows), filename="x.xlsx"
    )
    with django_assert_max_num_queries(12):
        services.batch_preview(batch=batch, by=district_staff)


def test_preview_masks_id_numbers_by_the_products_rule(district, district_staff, market):
    """The one mask of the product (members.models.mask_id_number: first 3 + stars), for a
    duplicate's values and for an ID number being replaced, old and new."""
    a = district.member_a
    old = a.id_number
    assert old
    batch = upload(
        district_staff,
        market,
        [
            HEADERS,
            [a.name, a.mobile, ID_2, "", ""],  # her ID number replaced
            ["王芳", "13900139001", ID_1, "店员", ""],
            ["王芳", "13900139001", ID_1, "店员", ""],  # duplicate in file
        ],
    )
    rows = outcomes(batch)
    assert rows[3]["o"] == "changed"
    assert rows[3]["shown"]["id_number"] == [mask_id_number(old), mask_id_number(ID_2)]
    assert rows[3]["shown"]["id_number"][1] == ID_2[:3] + "*" * 15
    assert rows[5]["o"] == "duplicate"
    assert rows[5]["v"]["id_number"] == mask_id_number(ID_1)


def test_a_preview_stored_in_one_piece_still_commits(district, district_staff, market):
    """Previews stored before JSON lines (one JSON document) read and apply as before."""
    batch = upload(district_staff, market, [HEADERS, ["王芳", "13900139001", ID_1, "店员", ""]])
    document = services.batch_rows(batch)
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    batch.preview_data = crypto.encrypt_bytes(zlib.compress(text.encode(), 1))
    batch.save(update_fields=["preview_data"])
    assert services.batch_rows(batch) == document
    services.batch_commit(batch=batch, by=district_staff)
    assert Member.objects.get(mobile="13900139001").id_number == ID_1
