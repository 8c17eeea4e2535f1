"""From cells to member fields: the header row, the column mapping, and each value as Excel
really stores it (mobiles as floats, dates as serials or 2023年3月5日, ID numbers mangled to
1.23457E+17), with a message per cell in the user's language."""

import datetime
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from members.models import Education, Occupation, PoliticalStatus, Sex
from members.validators import (
    id_number_birth_date,
    id_number_sex,
    normalize_id_number,
    normalize_mobile,
    validate_id_number,
    validate_mobile,
)

# The fields a roster column can fill, in the order the template workbook shows them.
FIELDS = (
    "name",
    "mobile",
    "id_number",
    "sex",
    "birth_date",
    "ethnicity",
    "political_status",
    "education",
    "occupation",
    "joined_on",
    "notes",
)

FIELD_LABELS = {
    "name": gettext_lazy("Name"),
    "mobile": gettext_lazy("Mobile"),
    "id_number": gettext_lazy("ID number"),
    "sex": gettext_lazy("Sex"),
    "birth_date": gettext_lazy("Birth date"),
    "ethnicity": gettext_lazy("Ethnicity"),
    "political_status": gettext_lazy("Political status"),
    "education": gettext_lazy("Education"),
    "occupation": gettext_lazy("Occupation"),
    "joined_on": gettext_lazy("Joined on"),
    "notes": gettext_lazy("Notes"),
}

# Headers as people write them, compared after _header_key (no spaces, lower case).
HEADER_ALIASES = {
    "name": ["姓名", "名字", "会员姓名", "name", "fullname", "membername"],
    "mobile": [
        "手机",
        "手机号",
        "手机号码",
        "联系电话",
        "电话",
        "电话号码",
        "联系方式",
        "mobile",
        "mobilenumber",
        "phone",
        "tel",
        "cellphone",
    ],
    "id_number": [
        "身份证",
        "身份证号",
        "身份证号码",
        "公民身份号码",
        "证件号码",
        "idnumber",
        "idcard",
        "id",
        "residentidnumber",
    ],
    "sex": ["性别", "sex", "gender"],
    "birth_date": ["出生日期", "出生年月", "出生年月日", "生日", "birthdate", "dateofbirth", "dob"],
    "ethnicity": ["民族", "ethnicity"],
    "political_status": ["政治面貌", "politicalstatus"],
    "education": ["学历", "文化程度", "education"],
    "occupation": ["职业", "职业类别", "从业类别", "身份", "occupation"],
    "joined_on": ["入会日期", "入会时间", "加入日期", "joinedon", "joindate", "joined"],
    "notes": ["备注", "notes", "note", "remarks"],
}
_ALIAS_TO_FIELD = {alias: name for name, aliases in HEADER_ALIASES.items() for alias in aliases}


def _header_key(text) -> str:
    if text is None:
        return ""
    return re.sub(r"[\s\u3000*：:（）()_\-]", "", str(text)).lower()


def field_for_header(text) -> str:
    return _ALIAS_TO_FIELD.get(_header_key(text), "")


def find_header(rows: list[tuple[int, list]]) -> int:
    """Index (in rows) of the header row: the first of the top rows naming two or more
    known columns; a title row above it (邵兴城市场妇联会员花名册) is skipped."""
    for index, (_number, values) in enumerate(rows[:20]):
        known = {field_for_header(v) for v in values} - {""}
        if len(known) >= 2:
            return index
    return 0


def detect_mapping(headers: list) -> list[str]:
    """One field (or "") per column; a field claimed twice keeps its first column."""
    mapping, seen = [], set()
    for header in headers:
        name = field_for_header(header)
        if name in seen:
            name = ""
        seen.add(name)
        mapping.append(name)
    return mapping


# --- Values ---------------------------------------------------------------------------------


class CellError(Exception):
    pass


_SCIENTIFIC = re.compile(r"^\d(\.\d+)?[eE]\+?\d+$")
_DATE = re.compile(r"^(\d{4})\s*[./\-年]\s*(\d{1,2})\s*[./\-月]\s*(\d{1,2})\s*日?(?:\s+[\d:]+)?$")
_MONTH = re.compile(r"^(\d{4})\s*[./\-年]\s*(\d{1,2})\s*月?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_EXCEL_EPOCH = datetime.date(1899, 12, 30)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_NAME_DOTS = str.maketrans({"•": "·", "・": "·", "．": "·", "‧": "·", "∙": "·", "⋅": "·"})


def _text(raw) -> str:
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, datetime.datetime):
        return raw.date().isoformat()
    return str(raw).strip()


def parse_name(raw) -> str:
    name = " ".join(_text(raw).translate(_NAME_DOTS).split())
    if not name:
        raise CellError(_("The name is empty."))
    if _CONTROL.search(name):
        raise CellError(_("The name contains invisible control characters."))
    if len(name) > 50:
        raise CellError(_("The name is longer than 50 characters."))
    if any(ch.isdigit() for ch in name):
        raise CellError(_("A name cannot contain digits."))
    return name


def parse_mobile(raw) -> str:
    if isinstance(raw, bool):
        raise CellError(_("Enter a valid 11-digit mainland mobile number, such as 13812345678."))
    if isinstance(raw, int | float):
        text = str(int(raw)) if float(raw).is_integer() else str(raw)
    else:
        text = _text(raw)
        if re.fullmatch(r"1\d{10}\.0+", text):
            text = text.split(".")[0]
    mobile = normalize_mobile(text)
    try:
        validate_mobile(mobile)
    except ValidationError as error:
        raise CellError(error.messages[0]) from None
    return mobile


_EXCEL_NUMBER_HINT = gettext_lazy(
    "Excel stored this ID number as a number (it shows as 1.23457E+17) and lost its last "
    "digits. Format the column as Text, type the numbers again, and upload."
)
_EXCEL_ZEROS_HINT = gettext_lazy(
    "This ID number ends in 000 and its check digit fails: Excel keeps only 15 digits of a "
    "number and turned the last ones into 0. Format the column as Text, type the numbers "
    "again, and upload."
)


def parse_id_number(raw) -> str:
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        if raw >= 1e16:
            raise CellError(str(_EXCEL_NUMBER_HINT))
        raw = _text(raw)
    text = _text(raw)
    if _SCIENTIFIC.match(text.replace(" ", "")):
        raise CellError(str(_EXCEL_NUMBER_HINT))
    value = normalize_id_number(text)
    try:
        validate_id_number(value)
    except ValidationError as error:
        if error.code == "id_checksum" and value.endswith("000"):
            raise CellError(str(_EXCEL_ZEROS_HINT)) from None
        raise CellError(error.messages[0]) from None
    return value


def parse_date(raw, *, month_ok: bool = False) -> datetime.date:
    if isinstance(raw, datetime.datetime):
        return raw.date()
    if isinstance(raw, datetime.date):
        return raw
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        # An Excel date serial (days since 1899-12-30) in a column not formatted as date.
        if 1 <= raw < 80000:
            return _EXCEL_EPOCH + datetime.timedelta(days=int(raw))
        raise CellError(_("This number is not a date."))
    text = _text(raw).translate(str.maketrans({chr(0xFF10 + i): str(i) for i in range(10)}))
    match = _DATE.match(text) or _COMPACT_DATE.match(text)
    try:
        if match:
            return datetime.date(int(match[1]), int(match[2]), int(match[3]))
        if month_ok and (match := _MONTH.match(text)):
            return datetime.date(int(match[1]), int(match[2]), 1)
        if re.fullmatch(r"\d{5}(\.0+)?", text):
            return _EXCEL_EPOCH + datetime.timedelta(days=int(float(text)))
    except ValueError:
        raise CellError(_("This date does not exist.")) from None
    raise CellError(_("Write the date as 2023-03-05, 2023/3/5, 2023.3.5 or 2023年3月5日."))


def _choice_map(choices, synonyms: dict[str, str]) -> dict[str, str]:
    mapping = {}
    for code, label in choices:
        mapping[code.lower()] = code
        for language in ("zh-hans", "en"):
            with translation.override(language):
                mapping[_header_key(str(label))] = code
    mapping.update(synonyms)
    return mapping


_CHOICE_SYNONYMS = {
    "sex": {
        "女": "female",
        "女性": "female",
        "f": "female",
        "男": "male",
        "男性": "male",
        "m": "male",
    },
    "political_status": {
        "党员": "cpc_member",
        "中共党员": "cpc_member",
        "预备党员": "cpc_probationary",
        "中共预备党员": "cpc_probationary",
        "团员": "league_member",
        "共青团员": "league_member",
        "民主党派": "democratic_party",
        "群众": "masses",
    },
    "education": {
        "小学": "primary",
        "初中": "junior_secondary",
        "高中": "senior_secondary",
        "中专": "senior_secondary",
        "职高": "senior_secondary",
        "大专": "college",
        "专科": "college",
        "本科": "bachelor",
        "大学": "bachelor",
        "研究生": "postgraduate",
        "硕士": "postgraduate",
        "博士": "postgraduate",
    },
    "occupation": {
        "商户": "shop_owner",
        "店主": "shop_owner",
        "老板": "shop_owner",
        "店员": "shop_employee",
        "员工": "shop_employee",
        "主播": "streamer",
        "物业": "property",
        "保洁": "cleaner",
        "快递": "courier",
        "快递员": "courier",
        "外卖": "delivery",
        "骑手": "delivery",
        "家政": "housekeeping",
        "管理": "manager",
        "其他": "other",
    },
}
_CHOICES = {
    "sex": Sex.choices,
    "political_status": PoliticalStatus.choices,
    "education": Education.choices,
    "occupation": Occupation.choices,
}
_choice_maps: dict[str, dict[str, str]] = {}


def parse_choice(name: str, raw) -> str:
    if name not in _choice_maps:
        _choice_maps[name] = _choice_map(_CHOICES[name], _CHOICE_SYNONYMS[name])
    code = _choice_maps[name].get(_header_key(_text(raw)))
    if code is None:
        allowed = "、".join(str(label) for _code, label in _CHOICES[name])
        raise CellError(_("Not one of: %(allowed)s.") % {"allowed": allowed})
    return code


def display_value(name: str, value):
    """A stored value as people read it: a choice's label in the reader's language."""
    if name in _CHOICES and value:
        return dict(_CHOICES[name]).get(value, value)
    return value


def parse_short_text(raw, *, limit: int) -> str:
    text = _text(raw)
    if _CONTROL.search(text):
        raise CellError(_("The text contains invisible control characters."))
    if len(text) > limit:
        raise CellError(_("Longer than %(limit)d characters.") % {"limit": limit})
    return text


@dataclass(slots=True)  # 100,000 of them are held at once: no __dict__ each
class ParsedRow:
    number: int  # the row number in the spreadsheet
    values: dict  # field -> normalized value (only fields filled in the file)
    errors: dict = field(default_factory=dict)  # field -> message
    original: list = field(default_factory=list)


def parse_row(number: int, cells: list, mapping: list[str]) -> ParsedRow:
    row = ParsedRow(number=number, values={}, original=cells)
    for index, name in enumerate(mapping):
        if not name or index >= len(cells):
            continue
        raw = cells[index]
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        try:
            if name == "name":
                value = parse_name(raw)
            elif name == "mobile":
                value = parse_mobile(raw)
            elif name == "id_number":
                value = parse_id_number(raw)
            elif name in ("birth_date", "joined_on"):
                value = parse_date(raw, month_ok=name == "birth_date")
            elif name in _CHOICES:
                value = parse_choice(name, raw)
            elif name == "ethnicity":
                value = parse_short_text(raw, limit=20)
            else:
                value = parse_short_text(raw, limit=1000)
        except CellError as error:
            row.errors[name] = str(error)
        else:
            row.values[name] = value
    if "name" not in row.values and "name" not in row.errors:
        row.errors["name"] = _("The name is empty.")
    if "mobile" not in row.values and "mobile" not in row.errors:
        row.errors["mobile"] = _("The mobile number is empty.")
    id_number = row.values.get("id_number")
    if id_number:
        # Birth date and sex come from a valid ID number; a different one typed beside it is
        # an error of that cell, not silently replaced.
        from_id = id_number_birth_date(id_number)
        typed = row.values.get("birth_date")
        if typed and typed != from_id:
            row.errors["birth_date"] = _(
                "The birth date does not match the ID number (%(date)s)."
            ) % {"date": from_id.isoformat()}
        row.values["birth_date"] = from_id
        sex = id_number_sex(id_number)
        if row.values.get("sex") and row.values["sex"] != sex:
            row.errors["sex"] = _("The sex does not match the ID number.")
        row.values["sex"] = sex
    return row
