"""Two things the code now keeps differently:

- federation.MemberCount: every organization's count of current members, itself and
  everything under it, each member once (computed here from the memberships);
- member change records as an action with parameters, and stored values as codes: the
  sentences written before (in Chinese, by members.services) are parsed back. A record that
  matches nothing keeps its stored sentence, which is still shown.
"""

import re
from collections import Counter, defaultdict

from django.db import migrations
from django.utils import translation

PATTERNS = {
    "create": re.compile(r"^登记入会：(?P<market>[^，]+)(?:，(?P<home>.+))?$"),
    "left": re.compile(r"^离开（(?P<date>\d{4}-\d{2}-\d{2})）：(?P<reason>.*)$"),
    "restore": re.compile(r"^恢复会籍：(?P<market>.+)（(?P<date>\d{4}-\d{2}-\d{2})）$"),
    "transfer_requested": re.compile(
        r"^申请调动：(?P<from>.+) → (?P<to>.+)（(?P<date>\d{4}-\d{2}-\d{2})）$"
    ),
    "transfer_confirmed": re.compile(
        r"^调动确认：(?P<from>.+) → (?P<to>.+)（(?P<date>\d{4}-\d{2}-\d{2})）$"
    ),
    "transfer_cancelled": re.compile(r"^撤回调动：(?P<from>.+) → (?P<to>.+)$"),
    "transfer_rejected": re.compile(r"^拒绝调动：(?P<from>.+) → (?P<to>.+)$"),
    "tag_added": re.compile(r"^添加标签：(?P<tag>.+)$"),
    "tag_removed": re.compile(r"^移除标签：(?P<tag>.+)$"),
    "home_assigned": re.compile(r"^加入：(?P<home>.+)（(?P<date>\d{4}-\d{2}-\d{2})）$"),
}


def _label_to_code():
    """Choice labels, in both languages, back to the codes stored now."""
    from members.models import Education, Occupation, PoliticalStatus, Sex

    maps = {}
    for field, choices in {
        "sex": Sex,
        "political_status": PoliticalStatus,
        "education": Education,
        "occupation": Occupation,
    }.items():
        labels = {}
        for language in ("zh-hans", "en"):
            with translation.override(language):
                labels.update({str(choice.label): choice.value for choice in choices})
        maps[field] = labels
    return maps


def convert_changes(apps, schema_editor):
    ChangeRecord = apps.get_model("audit", "ChangeRecord")
    codes = _label_to_code()
    records = ChangeRecord.objects.filter(object_type="members.member", params={})
    for record in records.iterator():
        params = None
        if record.action == "update" and record.changes:
            params = {"fields": list(record.changes)}
        elif record.action in PATTERNS:
            match = PATTERNS[record.action].match(record.summary)
            if match:
                params = {k: v or "" for k, v in match.groupdict().items()}
        if params is None:
            continue
        changes = {
            field: [codes.get(field, {}).get(value, value) for value in pair]
            for field, pair in (record.changes or {}).items()
        }
        record.params, record.changes = params, changes
        record.save(update_fields=["params", "changes"])


def count_members(apps, schema_editor):
    Organization = apps.get_model("federation", "Organization")
    MemberCount = apps.get_model("federation", "MemberCount")
    Membership = apps.get_model("members", "Membership")
    paths = dict(Organization.objects.values_list("pk", "path"))
    counting = defaultdict(set)
    rows = Membership.objects.filter(ends_on__isnull=True, member__status="current")
    for member_id, organization_id in rows.values_list("member_id", "organization_id").iterator():
        counting[member_id].add(organization_id)
    totals = Counter({pk: 0 for pk in paths})
    for organizations in counting.values():
        covered = set(organizations)
        for pk in organizations:
            covered.update(int(part) for part in paths[pk].strip("/").split("/") if part)
        totals.update(covered)
    MemberCount.objects.all().delete()
    MemberCount.objects.bulk_create(
        [MemberCount(organization_id=pk, members=n) for pk, n in totals.items()], batch_size=1000
    )


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0004_changerecord_params"),
        ("federation", "0003_membercount"),
        ("members", "0005_member_search_filter_index"),
    ]

    operations = [
        migrations.RunPython(count_members, migrations.RunPython.noop),
        migrations.RunPython(convert_changes, migrations.RunPython.noop),
    ]
