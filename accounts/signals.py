from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils import timezone

from accounts import services
from audit.models import AccessKind
from audit.services import access_record

LOGIN_AT_SESSION_KEY = "login_at"
POLICY_SESSION_KEY = "security_policy"


def refresh_policy(request, user) -> None:
    request.session[POLICY_SESSION_KEY] = {
        "must_change_password": services.user_must_change_password(user),
        "needs_second_factor": services.user_needs_second_factor(user),
        "has_second_factor": services.user_has_second_factor(user),
    }


@receiver(user_logged_in, dispatch_uid="accounts_login_policy")
def on_login(sender, request, user, **kwargs):
    # For the absolute session timeout: an active session still ends this long after login.
    request.session[LOGIN_AT_SESSION_KEY] = timezone.now().timestamp()
    refresh_policy(request, user)


@receiver(user_locked_out, dispatch_uid="accounts_locked_out")
def record_lockout(sender, request, username, ip_address, **kwargs):
    access_record(kind=AccessKind.LOCKED_OUT, request=request, username=username or "")
