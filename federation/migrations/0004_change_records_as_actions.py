"""Change records of organizations written before actions had parameters: recover the
parameters from what was stored, so that they read in the reader's language.

The sentences were translated when written (Chinese, or English for a writer who had
switched), so both languages are recognized. A record that matches nothing keeps its stored
sentence, which is still shown.
"""

import re

from django.db import migrations

POSITIONS = {
    "主席": "chair",
    "Chair": "chair",
    "副主席": "vice_chair",
    "Vice-chair": "vice_chair",
    "执委": "executive",
    "Executive-committee member": "executive",
}
ROLES = {
    "区妇联工作人员": "district_staff",
    "District federation staff": "district_staff",
    "市场群妇联工作人员": "cluster_staff",
    "Market-cluster federation staff": "cluster_staff",
    "市场妇联主席/副主席": "market_chair",
    "Market chair / vice-chair": "market_chair",
    "妇女之家负责人": "home_manager",
    "Women's home manager": "home_manager",
    "心理咨询师": "counsellor",
    "Counsellor": "counsellor",
    "领导（只读）": "viewer",
    "Viewer (leadership)": "viewer",
}
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _names(text):
    if not text:
        return []
    return [name for name in re.split(r"、|, ", text) if name]


def _position_change(changes):
    """The one (position, [old, new]) an office change stored under the position's label."""
    found = [(POSITIONS[key], value) for key, value in changes.items() if key in POSITIONS]
    return found


def convert(record):
    changes = record.changes or {}
    action = record.action
    if action == "election" and "term" in changes:
        return {
            "number": changes["term"][1],
            "date": (changes.get("starts_on") or [None, ""])[1],
            "chair": changes["chair"][1],
            "vice_chairs": _names(changes.get("vice_chairs", [None, None])[1]),
            "executives": _names(changes.get("executives", [None, None])[1]),
        }, {
            "term": changes["term"],
            "chair": changes["chair"],
            "vice_chair": changes.get("vice_chairs", [None, None]),
            "executive": changes.get("executives", [None, None]),
        }
    dates = DATE.findall(record.summary)
    found = _position_change(changes)
    if action == "office_add" and len(found) == 1 and dates:
        position, (_old, new) = found[0]
        return {"position": position, "name": new, "date": dates[0]}, {position: [None, new]}
    if action == "office_end" and len(found) == 1 and dates:
        position, (old, _new) = found[0]
        return {"position": position, "name": old, "date": dates[0]}, {position: [old, None]}
    if action == "office_replace" and found and dates:
        replaced = [(p, v) for p, v in found if v[0] and v[1]]
        vacated = [(p, v) for p, v in found if v[1] is None]
        if len(replaced) == 1:
            position, (old, new) = replaced[0]
            params = {
                "position": position,
                "old": old,
                "new": new,
                "date": dates[0],
                "vacated": vacated[0][0] if vacated else "",
            }
            return params, {p: v for p, v in found}
    if action in {"role_grant", "role_revoke"} and "role_grant" in changes:
        value = changes["role_grant"][1 if action == "role_grant" else 0] or ""
        user, _sep, label = value.partition(" · ")
        if label in ROLES:
            role = ROLES[label]
            pair = [None, f"{user}:{role}"] if action == "role_grant" else [f"{user}:{role}", None]
            return {"user": user, "role": role}, {"role_grant": pair}
    if action == "login_create" and "login" in changes:
        return {"user": changes["login"][1]}, changes
    return None


def forwards(apps, schema_editor):
    ChangeRecord = apps.get_model("audit", "ChangeRecord")
    records = ChangeRecord.objects.filter(object_type="federation.organization", params={})
    for record in records.iterator():
        converted = convert(record)
        if converted is None:
            continue
        record.params, record.changes = converted
        record.save(update_fields=["params", "changes"])


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0004_changerecord_params"),
        ("federation", "0003_membercount"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
