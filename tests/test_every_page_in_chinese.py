"""Issue 9, item 12: every page of the walked URL list reads in Chinese under zh-hans.

Two checks: the catalogue has no untranslated or fuzzy entry, and no page as rendered for
district staff and for a market chair carries an English word outside a short list of
names that stay as they are (logins, file formats, the language switch)."""

import re
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.conf import settings

from tests.test_every_page import SKIP_PREFIXES, patterns

PO = Path(settings.BASE_DIR, "locale", "zh_Hans", "LC_MESSAGES", "django.po")
# Words that are the same in Chinese: names of logins and formats, the language switch.
KEPT = {
    "english",
    "json",
    "pipl",
    "totp",
    "csv",
    "xlsx",
    "excel",
    "id",
    "district_staff",
    "chair_a",
    "chair_b",
    "ip",
    "zd",  # the pinyin initials in the search box's example
    "gbk",  # the encodings a roster file may come in
    "utf",
    "wps",
}
WORD = re.compile(r"[A-Za-z][A-Za-z_'’-]*[A-Za-z]")
URL = re.compile(r"https?://[^\s<>\"]+")
SHOWN_ATTRIBUTES = {"placeholder", "title", "aria-label", "alt"}


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in {"script", "style"}:
            self._skip += 1
        for name, value in attrs:
            if name in SHOWN_ATTRIBUTES and value:
                self.parts.append(value)
            if tag == "input" and name == "value" and ("type", "submit") in attrs and value:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in {"script", "style"}:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.parts.append(data.strip())


def concrete(route: str, district) -> str:
    """The route with real objects: a member's pages for her, the others for her market."""
    number = district.member_a.pk if route.startswith("members/<int") else None
    number = number or district.market_a.federation.pk
    return "/" + re.sub(r"<int:\w+>", str(number), route)


def english_words(html: str) -> set[str]:
    parser = _Text()
    parser.feed(html)
    found = set()
    for part in parser.parts:
        # A web address shown to be shared or printed (the jobs page, the counselling
        # poster) is an address, not words: only whole http(s) URLs are left out.
        part = URL.sub(" ", part)
        # An English full stop or comma straight after Chinese text.
        found.update(re.findall(r"[\u4e00-\u9fff）][.,](?!\d)", part))
        for word in WORD.findall(part):
            if word.lower() not in KEPT and not re.fullmatch(r"[A-Z]\d*", word):
                found.add(word)
    return found


def test_the_catalogue_has_no_untranslated_entry():
    missing = [
        entry.msgid
        for entry in polib.pofile(str(PO))
        if not entry.obsolete
        and ("fuzzy" in entry.flags or not (entry.msgstr or any(entry.msgstr_plural.values())))
    ]
    assert not missing, missing


@pytest.mark.parametrize("persona", ["district_staff", "chair_a"])
def test_no_english_on_any_page_in_chinese(client, district, request, persona):
    client.force_login(request.getfixturevalue(persona))
    problems = {}
    for route, _ in patterns():
        if route.startswith(SKIP_PREFIXES) or route.startswith("i18n/"):
            continue
        url = concrete(route, district)
        response = client.get(url, headers={"Accept-Language": "zh-hans"})
        if response.status_code != 200 or b"<html" not in response.content:
            continue
        words = english_words(response.content.decode())
        if words:
            problems[url] = sorted(words)
    assert not problems, problems


def test_the_duplicate_notice_reads_in_chinese(client, district, chair_a):
    """Not on the walked list (it follows a POST): 申请调入's notice, in Chinese only."""
    from django.urls import reverse

    client.force_login(chair_a)
    response = client.post(
        reverse("member_create"),
        {
            "market": district.market_a.federation.pk,
            "name": "李芳",
            "sex": "female",
            "mobile": district.member_b.mobile,
            "political_status": "masses",
            "occupation": "shop_owner",
            "joined_on": "2026-11-01",
        },
    )
    html = response.content.decode()
    assert "申请调入" in html
    assert not english_words(html), english_words(html)
    assert "见下方" not in html
    # A member she may see: named, and the field's message points up to the notice.
    response = client.post(
        reverse("member_create"),
        {
            "market": district.market_a.federation.pk,
            "name": "赵丹",
            "sex": "female",
            "mobile": district.member_a.mobile,
            "political_status": "masses",
            "occupation": "shop_owner",
            "joined_on": "2026-11-01",
        },
    )
    html = response.content.decode()
    assert "查看她的档案" in html
    assert not english_words(html), english_words(html)
    assert "见表单上方" in html and "见下方" not in html
