"""The markup screen readers rely on, checked on every page without a browser: references
(aria-describedby, aria-labelledby, aria-controls, label for, in-page links) point at ids that
exist, ids are unique, every form control has a name, no control sits inside a <summary>.
Forms are checked again as they come back with errors, where the references multiply."""

import re
from html.parser import HTMLParser

import pytest

from tests.test_every_page import SKIP_PREFIXES, concrete, patterns

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
CONTROLS = {"input", "select", "textarea"}
INTERACTIVE = {"a", "button", "input", "select", "textarea"}
UNNAMED_INPUTS = {"hidden", "submit", "button", "reset", "image"}


class Markup(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids: list[str] = []
        self.references: list[tuple[str, str]] = []  # (what, id)
        self.controls: list[dict] = []  # attributes, plus whether a <label> wraps it
        self.label_for: set[str] = set()
        self.in_summary: list[str] = []
        self.stack: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = {key: value or "" for key, value in attrs}
        if "id" in attrs:
            self.ids.append(attrs["id"])
        for attr in ("aria-describedby", "aria-labelledby", "aria-controls"):
            for ref in attrs.get(attr, "").split():
                self.references.append((f"{tag}[{attr}]", ref))
        href = attrs.get("href", "")
        if tag == "a" and href.startswith("#") and len(href) > 1:
            self.references.append(("a[href]", href[1:]))
        if tag == "label" and attrs.get("for"):
            self.label_for.add(attrs["for"])
            self.references.append(("label[for]", attrs["for"]))
        if tag in INTERACTIVE and "summary" in self.stack:
            self.in_summary.append(f"<{tag} {attrs}>")
        if tag in CONTROLS and not (tag == "input" and attrs.get("type") in UNNAMED_INPUTS):
            self.controls.append({**attrs, "tag": tag, "wrapped": "label" in self.stack})
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        # Pop to the matching tag (HTML lets some end tags be left out).
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass


def problems(html: str, *, fragment: bool = False) -> list[str]:
    markup = Markup()
    markup.feed(html)
    ids = set(markup.ids)
    found = []
    duplicates = {i for i in markup.ids if markup.ids.count(i) > 1}
    found += [f"duplicate id {i!r}" for i in sorted(duplicates)]
    if not fragment:  # a fragment may point into the page it is swapped into
        found += [
            f"{what} -> missing id {ref!r}" for what, ref in markup.references if ref not in ids
        ]
    found += [f"control inside <summary>: {c}" for c in markup.in_summary]
    for control in markup.controls:
        named = (
            control["wrapped"]
            or control.get("id", "\0") in markup.label_for
            or control.get("aria-label")
            or control.get("aria-labelledby")
        )
        if not named:
            found.append(f"{control['tag']} without an accessible name: {control}")
    return found


def test_the_checker_finds_what_it_looks_for():
    bad = (
        '<input id="a" aria-describedby="a_helptext"><select id="id_home"></select>'
        '<details><summary><a href="/x">x</a></summary></details><p id="b"></p><p id="b"></p>'
    )
    found = "\n".join(problems(bad))
    assert "missing id 'a_helptext'" in found
    assert "select without an accessible name" in found
    assert "control inside <summary>" in found
    assert "duplicate id 'b'" in found
    assert not problems('<label for="q">Q</label><input id="q"><label>X <select></select></label>')


def test_every_page_has_sound_references_names_and_ids(client, district, district_staff):
    client.force_login(district_staff)
    checked = 0
    for route, _ in patterns():
        if route.startswith(SKIP_PREFIXES) or route.startswith("i18n/"):
            continue
        response = client.get(concrete(route, district))
        if response.status_code != 200 or b"<html" not in response.content:
            continue
        checked += 1
        assert not problems(response.content.decode()), route
    assert checked >= 10


def test_the_tree_keeps_links_out_of_its_toggles(client, district, district_staff):
    client.force_login(district_staff)
    for url in ("/organizations/", f"/organizations/?parent={district.cluster.pk}"):
        html = client.get(url).content.decode()
        assert "<summary" in html
        assert not problems(html), url


def test_the_directory_announces_only_its_count(client, district, district_staff):
    client.force_login(district_staff)
    html = client.get("/members/").content.decode()
    assert not problems(html)
    assert re.search(r'<div id="results"(?![^>]*aria-live)', html)
    assert re.search(r'<p[^>]*id="results-count"[^>]*role="status"', html)
    assert re.search(r'<label[^>]*for="id_home"', html), "the bulk home select has a label"
    fragment = client.get("/members/?q=z", headers={"HX-Request": "true"}).content.decode()
    assert 'id="results-count" hx-swap-oob="innerHTML"' in fragment
    assert not problems(fragment, fragment=True)


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/members/new/", {"name": ""}),
        ("/account/password/", {"old_password": "", "new_password1": "x", "new_password2": "y"}),
        ("leave", {"reason": ""}),
        ("transfer", {"reason": ""}),
    ],
)
def test_forms_with_errors_link_each_error_to_its_field(
    client, district, district_staff, url, data
):
    client.force_login(district_staff)
    if not url.startswith("/"):
        url = f"/members/{district.member_a.pk}/{url}/"
    html = client.post(url, data).content.decode()
    assert 'aria-invalid="true"' in html, "the form came back with errors"
    assert not problems(html), url
    for match in re.finditer(r"<(?:input|select|textarea)[^>]*aria-invalid=\"true\"[^>]*>", html):
        describedby = re.search(r'aria-describedby="([^"]*)"', match.group(0))
        assert describedby and "_error" in describedby.group(1), match.group(0)


@pytest.mark.parametrize("htmx", [False, True])
def test_election_errors_are_linked_to_the_picker(client, district, district_staff, htmx):
    client.force_login(district_staff)
    url = f"/organizations/{district.market_a.federation.pk}/election/"
    headers = {"HX-Request": "true"} if htmx else {}
    html = client.post(url, {"number": "3"}, headers=headers).content.decode()
    picker = re.search(r'<input[^>]*id="picker-input-chair"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in picker
    assert 'aria-describedby="picker-error-chair picker-help-chair"' in picker
    assert 'id="picker-error-chair"' in html and 'id="picker-help-chair"' in html
    assert not problems(html)
