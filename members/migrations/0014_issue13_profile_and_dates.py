"""Indexes for this year's statistics of the district (issue 13, reports.sections.counted_today):
the current members' counted columns and reach in one narrow index (PostgreSQL reads it alone:
INCLUDE columns; other databases index the key only), and memberships by start and by end date,
so that "does any start or end after today?" is two short range scans."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('federation', '0006_issue9_organization_sort_name'),
        ('markets', '0002_issue9_market_pinyin_order'),
        ('members', '0013_issue8_search_filter_pinyin'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='member',
            index=models.Index(fields=['status'], include=('occupation', 'political_status', 'education', 'birth_date', 'reach'), name='member_profile_idx'),
        ),
        migrations.AddIndex(
            model_name='membership',
            index=models.Index(fields=['starts_on'], name='membership_starts_idx'),
        ),
        migrations.AddIndex(
            model_name='membership',
            index=models.Index(fields=['ends_on'], name='membership_ends_idx'),
        ),
    ]
