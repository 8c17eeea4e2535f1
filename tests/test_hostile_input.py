"""Hostile input at the edges (issue 8: 6-8): ids in ASCII digits only, no control
characters, a bounded login name."""

import pytest
from axes.models import AccessAttempt
from django.test import Client

from common.parsing import has_control_characters, parse_id


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12", 12),
        ("²", None),
        ("١٢", None),
        ("１２", None),
        ("-1", None),
        ("0", None),
        ("9" * 30, None),
        (" 12", None),
        ("", None),
        (None, None),
        (str(2**63 - 1), 2**63 - 1),
    ],
)
def test_ids_are_ascii_digits_within_a_bigint(value, expected):
    assert parse_id(value) == expected


def test_control_characters_but_tab_and_line_breaks():
    assert has_control_characters("a\x00b") and has_control_characters("\x1b[0m")
    assert not has_control_characters("第一行\r\n\t第二行")


def test_a_10k_login_name_is_refused_before_the_lockout_records_it(db):
    response = Client().post("/login/", {"username": "x" * 10_000, "password": "y"})
    assert response.status_code == 200
    assert "150" in response.content.decode()
    assert not AccessAttempt.objects.exists()


@pytest.mark.parametrize(
    "url",
    ["/organizations/?parent=²", "/organizations/{org}/member-chip/?member=²"],
)
def test_non_ascii_ids_are_a_bad_request(client, district, district_staff, url):
    client.force_login(district_staff)
    response = client.get(url.format(org=district.market_a.federation.pk))
    assert response.status_code == 400


def test_non_ascii_ids_in_forms_are_form_errors(client, district, district_staff):
    client.force_login(district_staff)
    org = district.market_a.federation.pk
    response = client.post(
        f"/organizations/{org}/election/",
        {"chair": "²", "vice_chairs": ["²"], "number": "2", "starts_on": "2026-01-01"},
    )
    assert response.status_code == 200
    response = client.post("/transfers/request-in/", {"to_organization": "²", "mobile": "1"})
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("method", "url", "data"),
    [
        ("get", "/organizations/{org}/member-search/", {"q": "a\x00b"}),
        ("get", "/members/", {"q": "a\x00b"}),
        ("post", "/transfers/request-in/", {"to_organization": "{org}", "mobile": "a\x00b"}),
        ("post", "/members/bulk/", {"action": "add_tag", "tag": "a\x00", "ids": ["1"]}),
    ],
)
def test_nul_is_refused_with_a_clear_message(client, district, chair_a, method, url, data):
    client.force_login(chair_a)
    org = str(district.market_a.federation.pk)
    data = {key: value.replace("{org}", org) for key, value in data.items() if key != "ids"}
    response = getattr(client, method)(url.format(org=org), data)
    assert response.status_code == 400
    assert "NUL" in response.content.decode()
