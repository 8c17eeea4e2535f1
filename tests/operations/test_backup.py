"""manage.py backup / restore: a round trip on whichever database is configured (SQLite on a
laptop, PostgreSQL in CI), and the refusals that keep a restore from doing harm."""

import io
import stat
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection

from audit.models import AccessEvent, AccessKind
from federation.models import Organization
from members.models import Member, Tag
from operations import backups
from tests.conftest import uses_postgres
from tests.factories import MemberFactory, MembershipFactory, ShopFactory

# The dump is made by another connection (pg_dump), which sees committed data only.
pytestmark = pytest.mark.django_db(transaction=True)

COMPARED_APPS = ("members", "federation", "markets")


def row_counts() -> dict[str, int]:
    counts = {}
    for label in COMPARED_APPS:
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            counts[model._meta.label] = model._base_manager.count()
    return counts


def configured_vendor() -> str:
    return backups.POSTGRESQL if uses_postgres() else backups.SQLITE


def other_vendor() -> str:
    return backups.SQLITE if uses_postgres() else backups.POSTGRESQL


@pytest.fixture
def populated(district):
    """The district, three more members of market B, a shop, a tag and an access record."""
    for name in ("王敏", "陈静", "刘洋"):
        member = MemberFactory(name=name)
        MembershipFactory(member=member, organization=district.market_b.federation)
    ShopFactory(market=district.market_a)
    district.member_b.tags.add(Tag.objects.create(name="巾帼志愿者"))
    AccessEvent.objects.create(username="chair_a", kind=AccessKind.EXPORT, row_count=3)
    return district


def backup_to(path: Path) -> str:
    out = io.StringIO()
    call_command("backup", output=path, stdout=out)
    return out.getvalue()


def test_round_trip_restores_counts_and_records(populated, tmp_path):
    before = row_counts()
    access_records = AccessEvent.objects.count()
    member_pk = populated.member_a.pk
    member = Member.objects.get(pk=member_pk)
    organization = Organization.objects.get(pk=populated.market_a.federation.pk)
    original = (member.name, member.mobile, member.id_number)
    original_organization_name = organization.name

    path = tmp_path / "lusong.backup"
    output = backup_to(path)
    assert str(path) in output
    assert f"members_member: {before['members.Member']}" in output
    assert f"federation_organization: {before['federation.Organization']}" in output
    assert f"audit_accessevent: {access_records}" in output
    assert backups.file_format(path) == configured_vendor()

    # Life goes on after the backup: a member leaves, an organization is renamed, one joins.
    member.memberships.all().delete()
    member.delete()
    Organization.objects.filter(pk=organization.pk).update(name="改了名的妇联")
    MembershipFactory(
        member=MemberFactory(name="新会员"), organization=populated.market_b.federation
    )
    assert row_counts() != before

    out = io.StringIO()
    call_command("restore", str(path), yes=True, stdout=out)

    assert "Restored" in out.getvalue()
    assert f"members_member: {before['members.Member']}" in out.getvalue()
    assert row_counts() == before
    assert AccessEvent.objects.count() == access_records
    restored = Member.objects.get(pk=member_pk)
    assert (restored.name, restored.mobile, restored.id_number) == original
    assert Organization.objects.get(pk=organization.pk).name == original_organization_name
    assert not Member.objects.filter(name="新会员").exists()
    # The restored database takes new rows as usual (sequences came back too).
    MembershipFactory(member=MemberFactory(name="再来一位"), organization=organization)


def test_backup_file_is_private_and_complete(populated, tmp_path):
    path = tmp_path / "lusong.backup"
    backup_to(path)

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["lusong.backup"]  # no temporary left


def test_backup_goes_to_the_backups_directory_by_default(populated, tmp_path, settings):
    settings.BASE_DIR = tmp_path
    out = io.StringIO()
    call_command("backup", stdout=out)

    (path,) = (tmp_path / "backups").iterdir()
    extension = backups.EXTENSIONS[configured_vendor()]
    assert path.name.startswith("lusong-") and path.name.endswith(f".{extension}")
    assert str(path) in out.getvalue()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "backups").stat().st_mode) == 0o700


def test_restore_without_yes_is_refused_and_changes_nothing(populated, tmp_path):
    path = tmp_path / "lusong.backup"
    backup_to(path)
    MemberFactory(name="新会员")
    before = row_counts()

    with pytest.raises(CommandError, match=r"replaces the entire current contents.*--yes"):
        call_command("restore", str(path))

    assert row_counts() == before


def test_backup_of_the_other_database_kind_is_refused(populated, tmp_path):
    path = tmp_path / "other.backup"
    path.write_bytes(backups.MAGIC[other_vendor()] + bytes(200))
    before = row_counts()

    configured = backups.LABELS[configured_vendor()]
    other = backups.LABELS[other_vendor()]
    with pytest.raises(
        CommandError, match=f"is a {other} backup.*configured database is {configured}"
    ):
        call_command("restore", str(path), yes=True)

    assert row_counts() == before


def test_a_file_that_is_no_backup_is_refused(populated, tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("not a backup")

    with pytest.raises(CommandError, match=r"neither a PostgreSQL dump.*nor an SQLite database"):
        call_command("restore", str(path), yes=True)
    with pytest.raises(CommandError, match="is not a file"):
        call_command("restore", str(tmp_path / "missing.dump"), yes=True)


def test_a_truncated_backup_is_refused_and_changes_nothing(populated, tmp_path):
    path = tmp_path / "lusong.backup"
    backup_to(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    MemberFactory(name="新会员")
    before = row_counts()

    with pytest.raises(CommandError):
        call_command("restore", str(path), yes=True)

    assert row_counts() == before
    assert Member.objects.filter(name="新会员").exists()


# --- PostgreSQL only ------------------------------------------------------------------------


def test_restored_access_log_is_still_append_only(postgres, populated, tmp_path):
    path = tmp_path / "lusong.dump"
    backup_to(path)
    call_command("restore", str(path), yes=True, stdout=io.StringIO())

    assert AccessEvent.objects.count() == 1
    with pytest.raises(DatabaseError, match="append-only"), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_accessevent")
    assert AccessEvent.objects.count() == 1


def test_failed_pg_dump_leaves_no_file_and_no_password(postgres, populated, tmp_path, monkeypatch):
    # A stand-in for pg_dump that starts writing, then fails and echoes its password.
    fake = tmp_path / "bin" / "pg_dump"
    fake.parent.mkdir()
    fake.write_text(
        "#!/bin/sh\n"
        'for a; do case "$a" in --file=*) echo partial > "${a#--file=}";; esac; done\n'
        'echo "pg_dump: error: password $PGPASSWORD rejected" >&2\n'
        "exit 1\n"
    )
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}:/usr/bin:/bin")
    monkeypatch.setitem(connection.settings_dict, "PASSWORD", "s3cret-Passw0rd")
    out_dir = tmp_path / "out"

    with pytest.raises(CommandError, match="pg_dump failed") as excinfo:
        call_command("backup", output=out_dir / "lusong.dump", stdout=io.StringIO())

    assert "s3cret-Passw0rd" not in str(excinfo.value)
    assert "password ******** rejected" in str(excinfo.value)
    assert list(out_dir.iterdir()) == []


# --- Without a database -----------------------------------------------------------------------


@pytest.mark.django_db(transaction=False)
def test_password_goes_into_the_environment_not_the_command_line(monkeypatch):
    monkeypatch.setattr(backups.shutil, "which", lambda program: f"/usr/bin/{program}")
    settings_dict = {
        "NAME": "lusong",
        "USER": "lusong",
        "PASSWORD": "s3cret-Passw0rd",
        "HOST": "db",
        "PORT": "5432",
        "OPTIONS": {"sslmode": "require", "pool": {"min_size": 2}},
    }

    argv, env = backups.pg_command("pg_dump", settings_dict, "--format=custom")

    assert not any("s3cret" in arg for arg in argv)
    assert env["PGPASSWORD"] == "s3cret-Passw0rd"
    assert env["PGSSLMODE"] == "require"
    assert argv == [
        "/usr/bin/pg_dump",
        "--format=custom",
        "--no-password",
        "--host=db",
        "--port=5432",
        "--username=lusong",
        "--dbname=lusong",
    ]


@pytest.mark.django_db(transaction=False)
def test_missing_pg_dump_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(backups.shutil, "which", lambda program: None)

    with pytest.raises(CommandError, match=r"pg_dump was not found.*postgresql-client"):
        backups.pg_command("pg_dump", {"NAME": "lusong", "OPTIONS": {}})
