import datetime

import pytest
from django.core.exceptions import ValidationError

from members.models import Member, Occupation, Sex
from members.validators import (
    id_number_check_char,
    normalize_id_number,
    normalize_mobile,
    validate_id_number,
    validate_mobile,
)

# A well-known valid sample number (GB 11643 check digit X).
VALID_X = "11010519491231002X"


@pytest.mark.parametrize("mobile", ["13812345678", "19912345678", "16612345678"])
def test_valid_mobiles(mobile):
    validate_mobile(mobile)


@pytest.mark.parametrize("mobile", ["", "1381234567", "138123456789", "12812345678", "2381234567a"])
def test_invalid_mobiles_get_a_chinese_message(mobile):
    with pytest.raises(ValidationError) as excinfo:
        validate_mobile(mobile)
    assert "手机号" in excinfo.value.messages[0]


def test_mobile_normalization_strips_prefix_and_spaces():
    assert normalize_mobile("+86 138-1234-5678") == "13812345678"


def test_check_digit_matches_the_standard_sample():
    assert id_number_check_char(VALID_X[:17]) == "X"
    validate_id_number(VALID_X)


def test_lowercase_x_is_accepted_and_normalized(db):
    validate_id_number(VALID_X.lower())
    member = Member(
        name="测试",
        mobile="13812345678",
        id_number=VALID_X.lower(),
        occupation=Occupation.SHOP_OWNER,
        sex=Sex.FEMALE,
    )
    member.full_clean()
    assert member.id_number == VALID_X


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("11010519491231002", "18"),
        ("1101051949123100XX", "17"),
        ("110105194913310026", "出生日期"),
        ("110105194912310021", "校验"),
    ],
)
def test_invalid_id_numbers_say_what_is_wrong_in_chinese(value, fragment):
    with pytest.raises(ValidationError) as excinfo:
        validate_id_number(value)
    assert fragment in excinfo.value.messages[0]


def test_birth_date_and_sex_must_agree_with_the_id_number(db):
    member = Member(
        name="测试",
        mobile="13812345678",
        id_number=VALID_X,
        birth_date=datetime.date(1950, 1, 1),
        sex=Sex.MALE,
        occupation=Occupation.SHOP_OWNER,
    )
    with pytest.raises(ValidationError) as excinfo:
        member.full_clean()
    errors = excinfo.value.message_dict
    assert "1949-12-31" in errors["birth_date"][0]
    assert "性别" in errors["sex"][0]


def test_birth_date_is_filled_from_the_id_number(db):
    member = Member.objects.create(
        name="测试", mobile="13812345678", id_number=VALID_X, occupation=Occupation.SHOP_OWNER
    )
    assert member.birth_date == datetime.date(1949, 12, 31)
    assert (member.name_pinyin, member.name_initials) == ("ceshi", "cs")


@pytest.mark.parametrize(
    ("name", "full", "initials"),
    [("赵丹", "zhaodan", "zd"), ("曾丽萍", "zengliping", "zlp"), ("单芳", "shanfang", "sf")],
)
def test_names_are_searchable_by_pinyin_with_surname_readings(name, full, initials):
    from members.models import name_to_pinyin

    assert name_to_pinyin(name) == (full, initials)


@pytest.mark.parametrize(
    "pasted",
    [
        "+86 139 0733 1234",
        "139-0733-1234",
        "139 0733 1234",
        "１３９０７３３１２３４",
        "0086 13907331234",
        "8613907331234",
        "(139) 0733.1234",
    ],
)
def test_mobiles_as_people_paste_them_are_normalized(pasted):
    assert normalize_mobile(pasted) == "13907331234"


@pytest.mark.parametrize("typed", ["13²07331234", "139073312", "1390733123456"])
def test_what_is_not_a_mobile_still_fails_after_normalizing(typed):
    with pytest.raises(ValidationError):
        validate_mobile(normalize_mobile(typed))


def test_id_numbers_pasted_with_spaces_or_full_width_are_normalized():
    assert normalize_id_number(" 110105 19491231 002x ") == "11010519491231002X"
    assert normalize_id_number("１１０１０５１９４９１２３１００２ｘ") == "11010519491231002X"
