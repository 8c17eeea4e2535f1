"""Indexes for the yearly statistics (issue 13): the members' counted columns in a narrow
index, and memberships by path prefix and dates, ended ones included. PostgreSQL answers the
statistics' scans from them alone (INCLUDE columns; other databases index the key only)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('federation', '0006_issue9_organization_sort_name'),
        ('markets', '0002_issue9_market_pinyin_order'),
        ('members', '0010_issue9_plausible_dates'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='member',
            index=models.Index(fields=['id'], include=('joined_on', 'left_on', 'birth_date', 'occupation', 'political_status', 'education'), name='member_statistics_idx'),
        ),
        migrations.AddIndex(
            model_name='membership',
            index=models.Index(fields=['organization_path', 'starts_on'], include=('ends_on', 'member', 'scope', 'organization'), name='membership_history_path_idx', opclasses=['varchar_pattern_ops', 'date_ops']),
        ),
    ]
