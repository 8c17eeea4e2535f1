"""The superuser's directory total: current members with no open membership (reach empty),
nearly always none, found by a partial index (members.selectors._every_current_member)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("markets", "0002_issue9_market_pinyin_order"),
        ("members", "0015_issue10_digest_indexes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="member",
            index=models.Index(
                condition=models.Q(("reach", ""), ("status", "current")),
                fields=["id"],
                name="member_current_unplaced_idx",
            ),
        ),
    ]
