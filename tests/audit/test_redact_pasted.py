"""Issue 9, item 4: every form of a mobile or ID number is kept out of logs."""

import logging

import pytest

from audit.redact import redact

MOBILE = "13907331234"


@pytest.mark.parametrize(
    "pasted",
    [
        "+86 139 0733 1234",
        "139-0733-1234",
        "139 0733 1234",
        "１３９０７３３１２３４",
        "０086 139 0733 1234".replace("０", "0"),
        "+8613907331234",
        "%2B86+139+0733+1234",  # in a logged URL
        "139%200733%201234",
    ],
)
def test_pasted_mobiles_are_masked(pasted):
    cleaned = redact(f"GET /members/?q={pasted} HTTP/1.1")
    assert "0733" not in cleaned and "０７３３" not in cleaned
    assert "139****1234" in cleaned


def test_pasted_id_numbers_are_masked():
    cleaned = redact("id 430203 19880517 002X and 430203-1988-0517-002x")
    assert "19880517" not in cleaned and "1988" not in cleaned


def test_dates_times_and_ip_addresses_are_left_alone():
    text = "from 139.107.33.123 at 2026-12-01 10:44:05, page 2 of 13, ids 1 2 3"
    assert redact(text) == text


def test_a_logged_pasted_mobile_is_redacted(caplog):
    with caplog.at_level(logging.INFO):
        logging.getLogger("lusong.test").info("searched %s", "+86 139-0733-1234")
    assert "0733" not in caplog.text and "139****1234" in caplog.text
