"""Issue 8, 9-11: no-store on every page for a logged-in user, the language switch before
logging in, and an access log without raw control characters."""

import io
import logging

from django.test import Client
from gunicorn.config import Config

from config import gunicorn as gunicorn_settings
from tests.test_permission_matrix import RULES, build_url, url_patterns
from tests.test_permission_matrix import sides as sides  # the fixture, shared


def test_every_page_and_fragment_for_a_logged_in_user_is_not_stored(
    district, district_staff, sides
):
    client = Client()
    client.force_login(district_staff)
    checked = 0
    for name, route in url_patterns():
        rule = RULES[name]
        if rule.method != "get" or name == "logout":
            continue
        url = build_url(route, rule.kwargs, sides["a"])
        for headers in ({}, {"HX-Request": "true"}):
            response = client.get(url, rule.data or {}, headers=headers)
            if response.status_code in {200, 400, 403, 404}:
                checked += 1
                assert "no-store" in response.get("Cache-Control", ""), (url, headers)
    assert checked > 20


def test_member_page_is_not_stored(client, district, chair_a):
    client.force_login(chair_a)
    response = client.get(f"/members/{district.member_a.pk}/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_language_switch_works_on_the_login_page(db):
    client = Client()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert client.cookies["django_language"].value == "en"
    assert "Log in" in client.get("/login/").content.decode()


def _access_line(path: str) -> str:
    config = Config()
    config.set("accesslog", "-")
    config.set("access_log_format", gunicorn_settings.access_log_format)
    logger = gunicorn_settings.EscapingLogger(config)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger.access_log.handlers = [handler]
    logger.access_log.propagate = False

    class Response:
        status = "404 Not Found"
        response_length = 10
        sent = 10
        headers = []

    class Req:
        headers = []

    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "RAW_URI": path,
    }
    import datetime

    logger.access(Response(), Req(), environ, datetime.timedelta(milliseconds=3))
    return stream.getvalue()


def test_access_log_never_writes_a_raw_nul():
    line = _access_line("/members/a\x00b\r\nforged 200/")
    assert "\x00" not in line and "\r" not in line.rstrip("\n") and line.count("\n") == 1
    assert "/members/a\\x00b\\x0d\\x0aforged 200/" in line


def test_gunicorn_uses_the_escaping_logger():
    assert gunicorn_settings.logger_class is gunicorn_settings.EscapingLogger
