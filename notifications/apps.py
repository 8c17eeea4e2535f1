from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from audit import changes

        changes.register("notice_scheduled", _("Notice scheduled: %(title)s"))
        changes.register("notice_cancelled", _("Notice cancelled (%(count)s recipients not sent)"))
        changes.register("notice_retried", _("Failed recipients queued again: %(count)s"))
        changes.register("consent_recorded", _consent_sentence)
        changes.register("opt_out_recorded", _opt_out_sentence)

        from notifications.models import OptOutSource

        changes.register_actor(OptOutSource.SMS_REPLY, OptOutSource.SMS_REPLY.label)


def _labels(params) -> dict:
    from notifications.models import Channel, ConsentMethod, OptOutSource

    methods = {**dict(OptOutSource.choices), **dict(ConsentMethod.choices)}
    return {
        "channel": dict(Channel.choices).get(params["channel"], params["channel"]),
        "method": methods.get(params["method"], params["method"]),
        "date": params["date"],
    }


def _consent_sentence(params) -> str:
    sentence = _("Consent to %(channel)s recorded: %(method)s, %(date)s") % _labels(params)
    if params.get("lifted_opt_out"):
        sentence += str(_(" (her opt-out of this channel is lifted)"))
    return sentence


def _opt_out_sentence(params) -> str:
    return _("Opted out of %(channel)s: %(method)s, %(date)s") % _labels(params)
