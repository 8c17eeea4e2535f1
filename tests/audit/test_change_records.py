"""Change records store an action and its parameters and read in the reader's language."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.urls import reverse

from audit.models import ChangeRecord
from audit.services import change_record
from members import services
from tests.factories import UserFactory

pytestmark = pytest.mark.usefixtures("today")


def history_text(client, member, language):
    client.cookies["django_language"] = language
    return client.get(reverse("member_detail", args=[member.pk])).content.decode()


def test_an_english_reader_reads_the_history_in_english(client, district, chair_a):
    member = services.member_create(
        by=chair_a,
        market=district.market_a.federation,
        joined_on=datetime.date(2026, 2, 1),
        name="王芳",
        mobile="13900002222",
        occupation="shop_owner",
    )
    services.member_update(member=member, version=member.version, by=chair_a, occupation="streamer")
    client.force_login(chair_a)
    english = history_text(client, member, "en")
    assert "Registered in 邵兴城市场妇联" in english
    assert "Changed: occupation" in english and "Livestream seller" in english
    assert "登记入会" not in english and "主播" not in english
    chinese = history_text(client, member, "zh-hans")
    assert "登记入会：邵兴城市场妇联" in chinese and "修改：职业类别" in chinese


def test_a_record_stores_codes_and_parameters_not_sentences(district, chair_a):
    member = district.member_a
    services.member_update(member=member, version=member.version, by=chair_a, occupation="streamer")
    record = ChangeRecord.objects.get(action="update")
    assert record.params == {"fields": ["occupation"]}
    assert record.changes == {"occupation": ["shop_owner", "streamer"]}
    assert record.summary == ""


def test_a_record_of_an_unknown_action_keeps_its_stored_sentence(district):
    record = change_record(target=district.member_a, by=UserFactory(), action="imported_legacy")
    record.summary = "旧记录"
    assert record.text == "旧记录"


def test_old_member_sentences_are_converted_to_parameters(district):
    member = district.member_a
    legacy = {
        "create": "登记入会：邵兴城市场妇联，邵兴城妇女之家",
        "left": "离开（2026-01-05）：回老家",
        "transfer_confirmed": "调动确认：邵兴城市场妇联 → 天泽华丽妇联（2026-03-01）",
        "tag_added": "添加标签：90后创业",
        "unknown": "说不清的旧记录",
    }
    for action, summary in legacy.items():
        ChangeRecord.objects.create(
            object_type="members.member",
            object_id=str(member.pk),
            action=action,
            summary=summary,
        )
    ChangeRecord.objects.create(
        object_type="members.member",
        object_id=str(member.pk),
        action="update",
        summary="修改：职业类别",
        changes={"occupation": ["商户", "主播"]},
    )
    migration = importlib.import_module("members.migrations.0006_member_counts_and_change_params")
    migration.convert_changes(apps, None)

    by_action = {r.action: r for r in ChangeRecord.objects.filter(object_id=str(member.pk))}
    assert by_action["create"].params == {"market": "邵兴城市场妇联", "home": "邵兴城妇女之家"}
    assert by_action["left"].params == {"date": "2026-01-05", "reason": "回老家"}
    assert by_action["transfer_confirmed"].params["to"] == "天泽华丽妇联"
    assert by_action["tag_added"].params == {"tag": "90后创业"}
    assert by_action["update"].changes == {"occupation": ["shop_owner", "streamer"]}
    assert by_action["unknown"].params == {} and by_action["unknown"].text == "说不清的旧记录"


def test_old_organization_sentences_are_converted_to_parameters(district):
    migration = importlib.import_module("federation.migrations.0004_change_records_as_actions")
    market = district.market_a.federation
    ChangeRecord.objects.create(
        object_type="federation.organization",
        object_id=str(market.pk),
        action="role_grant",
        summary="授予 chair 角色：市场妇联主席/副主席",
        changes={"role_grant": [None, "chair · 市场妇联主席/副主席"]},
    )
    ChangeRecord.objects.create(
        object_type="federation.organization",
        object_id=str(market.pk),
        action="office_add",
        summary="Added Vice-chair 王芳 from 2026-03-01",
        changes={"Vice-chair": [None, "王芳"]},
    )
    migration.forwards(apps, None)
    grant = ChangeRecord.objects.get(action="role_grant")
    assert grant.params == {"user": "chair", "role": "market_chair"}
    office = ChangeRecord.objects.get(action="office_add")
    assert office.params == {"position": "vice_chair", "name": "王芳", "date": "2026-03-01"}
