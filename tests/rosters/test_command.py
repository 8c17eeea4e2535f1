import json

import pytest
from django.core.management import CommandError, call_command

from members.models import Member, mask_id_number
from tests.factories import UserFactory
from tests.rosters.files import ID_1, csv_bytes


@pytest.fixture
def roster_file(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(
        csv_bytes([["姓名", "手机号"], ["王芳", "13900139001"], ["李娜", "1234"]], encoding="gbk")
    )
    return path


@pytest.fixture
def admin(db):
    return UserFactory(username="admin", is_superuser=True, is_staff=True)


def test_dry_run_json_changes_nothing(district, admin, roster_file, capsys):
    call_command("import_roster", str(roster_file), "--market", "邵兴城市场", "--dry-run", "--json")
    output = json.loads(capsys.readouterr().out)
    assert [r["outcome"] for r in output["rows"]] == ["new", "invalid"]
    assert output["rows"][0]["row"] == 2
    assert output["rows"][0]["values"]["mobile"] == "13900139001"
    assert "mobile" in output["rows"][1]["messages"]
    assert output["missing"][0]["name"] == "赵丹"
    assert not Member.objects.filter(mobile="13900139001").exists()


def test_json_masks_id_numbers_by_the_products_rule(district, admin, tmp_path, capsys):
    path = tmp_path / "roster.csv"
    path.write_bytes(csv_bytes([["姓名", "手机号", "身份证号码"], ["王芳", "13900139001", ID_1]]))
    call_command("import_roster", str(path), "--market", "邵兴城市场", "--dry-run", "--json")
    values = json.loads(capsys.readouterr().out)["rows"][0]["values"]
    assert values["id_number"] == mask_id_number(ID_1) == ID_1[:3] + "*" * 15
    assert ID_1 not in json.dumps(values)


def test_yes_applies(district, admin, roster_file, capsys):
    call_command("import_roster", str(roster_file), "--market", "邵兴城市场", "--yes")
    assert "new 1" in capsys.readouterr().out
    assert Member.objects.filter(mobile="13900139001").exists()


def test_unknown_market(district, admin, roster_file):
    with pytest.raises(CommandError):
        call_command("import_roster", str(roster_file), "--market", "没有的市场", "--dry-run")
