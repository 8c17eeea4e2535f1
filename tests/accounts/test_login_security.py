import datetime
import time

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from audit.models import AccessEvent, AccessKind
from federation.models import Role
from tests.conftest import PASSWORD, _persona
from tests.factories import UserFactory

LOGIN = "/login/"


def attempt(client: Client, username: str, password: str, ip: str):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


@pytest.fixture
def alice(db):
    return UserFactory(username="alice")


@pytest.fixture
def bob(db):
    return UserFactory(username="bob")


def test_failures_lock_the_username_and_ip_pair_only(alice, bob):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(Client(), "alice", "wrong", "10.0.0.1").status_code == 200
    assert attempt(Client(), "alice", "wrong", "10.0.0.1").status_code == 429
    # Now even the right password is refused for this pair.
    locked = attempt(Client(), "alice", PASSWORD, "10.0.0.1")
    assert locked.status_code == 429
    assert "登录失败次数过多" in locked.content.decode()
    # The same IP, another user: not locked. The same user from another IP: not locked.
    assert attempt(Client(), "bob", PASSWORD, "10.0.0.1").status_code == 302
    assert attempt(Client(), "alice", PASSWORD, "10.0.0.2").status_code == 302
    assert AccessEvent.objects.filter(kind=AccessKind.LOCKED_OUT, username="alice").exists()
    assert AccessEvent.objects.filter(kind=AccessKind.LOGIN_FAILED).count() >= 5


@pytest.mark.parametrize("bad", ["short1", "password123", "zhaodan2019!", "1234567890123"])
def test_password_rules_refuse_short_common_and_username_like(db, bad):
    user = UserFactory(username="zhaodan2019")
    with pytest.raises(ValidationError):
        validate_password(bad, user=user)


def test_a_good_password_passes(alice):
    validate_password("红星小掌柜-sxc-2026", user=alice)


def test_user_changes_her_own_password(client, alice):
    client.force_login(alice)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Lusong#Market2026",
            "new_password2": "Lusong#Market2026",
        },
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password("Lusong#Market2026")
    assert AccessEvent.objects.filter(kind=AccessKind.PASSWORD_CHANGED, user=alice).exists()


def test_deactivating_a_login_ends_its_sessions_at_once(alice, district_staff):
    session = Client()
    session.force_login(alice)
    assert session.get(reverse("dashboard")).status_code == 200
    ended = services.user_deactivate(user=alice, by=district_staff)
    assert ended == 1
    assert session.get(reverse("dashboard")).status_code == 302
    assert attempt(Client(), "alice", PASSWORD, "10.0.0.3").status_code == 200  # refused
    assert AccessEvent.objects.filter(
        kind=AccessKind.LOGIN_DEACTIVATED, object_id=str(alice.pk)
    ).exists()


def test_forced_reset_logs_out_and_demands_a_new_password(alice, district_staff):
    session = Client()
    session.force_login(alice)
    services.user_force_password_reset(
        user=alice, by=district_staff, temporary_password="Temp#Reset-2026"
    )
    assert session.get(reverse("dashboard")).status_code == 302

    fresh = Client()
    assert attempt(fresh, "alice", "Temp#Reset-2026", "10.0.0.4").status_code == 302
    response = fresh.get(reverse("dashboard"))
    assert response.status_code == 302 and response["Location"] == reverse("password_change")
    fresh.post(
        reverse("password_change"),
        {
            "old_password": "Temp#Reset-2026",
            "new_password1": "Mine#Own-2026x",
            "new_password2": "Mine#Own-2026x",
        },
    )
    assert fresh.get(reverse("dashboard")).status_code == 200


def test_login_with_authenticator_needs_the_code(alice):
    device = TOTPDevice.objects.create(user=alice, name="phone", confirmed=True)
    client = Client()
    response = attempt(client, "alice", PASSWORD, "10.0.0.5")
    assert response["Location"] == reverse("login_verify")
    assert client.get(reverse("dashboard")).status_code == 302  # not logged in yet
    wrong = client.post(
        reverse("login_verify"),
        {"token": "000000" if current_code(device) != "000000" else "111111"},
    )
    assert "验证码无效" in wrong.content.decode()
    # Guessing is throttled: right after a wrong code even the right one is refused.
    assert client.post(reverse("login_verify"), {"token": current_code(device)}).status_code == 200
    device.refresh_from_db()
    device.throttle_reset()
    right = client.post(reverse("login_verify"), {"token": current_code(device)})
    assert right.status_code == 302
    assert client.get(reverse("dashboard")).status_code == 200


def test_setting_up_an_authenticator(client, alice):
    client.force_login(alice)
    page = client.post(reverse("second_factor"), {"action": "start"})
    assert 'src="data:image/svg+xml;base64,' in page.content.decode()
    device = TOTPDevice.objects.get(user=alice, confirmed=False)
    client.post(reverse("second_factor"), {"action": "confirm", "token": current_code(device)})
    device.refresh_from_db()
    assert device.confirmed
    assert AccessEvent.objects.filter(kind=AccessKind.SECOND_FACTOR, user=alice).exists()


def test_district_admins_must_set_up_a_second_factor_when_required(settings, district):
    settings.REQUIRE_TOTP_FOR_DISTRICT_ADMINS = True
    staff = _persona("staff2fa", Role.DISTRICT_STAFF, district.district)
    chair = _persona("chair2fa", Role.MARKET_CHAIR, district.market_a.federation)
    client = Client()
    attempt(client, staff.username, PASSWORD, "10.0.0.6")
    response = client.get(reverse("dashboard"))
    assert response["Location"] == reverse("second_factor")
    # A chair is not a district administrator: no second factor demanded.
    other = Client()
    attempt(other, chair.username, PASSWORD, "10.0.0.7")
    assert other.get(reverse("dashboard")).status_code == 200


def test_absolute_timeout_ends_a_busy_session(client, alice):
    client.force_login(alice)
    session = client.session
    session["login_at"] = time.time() - settings.SESSION_ABSOLUTE_AGE - 1
    session.save()
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_idle_timeout_is_renewed_by_use(client, alice):
    assert settings.SESSION_COOKIE_AGE <= 60 * 60
    assert settings.SESSION_COOKIE_HTTPONLY and settings.SESSION_COOKIE_SAMESITE == "Lax"
    client.force_login(alice)
    session = client.session
    session["seen_at"] = time.time() - settings.SESSION_RENEW_SECONDS - 1
    session.save()
    response = client.get(reverse("dashboard"))
    # The session was saved again: its cookie (and server-side expiry) starts over.
    assert response.cookies["sessionid"]["max-age"] == settings.SESSION_COOKIE_AGE
    assert client.get(reverse("dashboard")).cookies.get("sessionid") is None  # not every time


def test_an_idle_session_expires(client, alice):
    from django.contrib.sessions.models import Session

    client.force_login(alice)
    Session.objects.update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
    assert client.get(reverse("dashboard")).status_code == 302


def test_admin_login_goes_through_our_login(client, db):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_admin_deactivates_and_forces_a_reset(client, alice):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    url = reverse("admin:auth_user_changelist")
    response = client.post(
        url, {"action": "force_password_reset", "_selected_action": [alice.pk]}, follow=True
    )
    assert "alice:" in response.content.decode()
    client.post(url, {"action": "deactivate", "_selected_action": [alice.pk]})
    alice.refresh_from_db()
    assert not alice.is_active
