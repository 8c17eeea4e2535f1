"""The approach a user would write first, for the bench's comparison: one Celery task per
recipient, each a gateway call for one number. Loaded into the bench's workers only
(`celery worker --include bench.notifications_naive`); nothing in the product uses it."""

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from notifications import channels, ratelimit
from notifications.models import Recipient, RecipientState


@shared_task(acks_late=True, reject_on_worker_lost=True)
def naive_send(recipient_id: int) -> None:
    row = Recipient.objects.select_related("notice__sms_template__signature").get(pk=recipient_id)
    if row.state != RecipientState.PENDING:
        return
    admission = ratelimit.acquire(
        "sms",
        limit=settings.NOTIFICATIONS_SMS_RATE,
        wanted=1,
        hold=settings.ALIYUN_SMS_TIMEOUT_MS / 1000 + 1.0,
    )
    template = row.notice.sms_template
    try:
        outcome = channels.sms_backend().send(
            channels.Batch(
                send_key=f"naive-{row.pk}",
                messages=[channels.Message(row.pk, row.address, "", {"name": row.name})],
                template_code=template.code,
                signature=template.signature.name,
            )
        )
    finally:
        admission.release()
    if outcome.kind == channels.ACCEPTED:
        Recipient.objects.filter(pk=row.pk).update(
            state=RecipientState.SENT, sent_at=timezone.now(), updated_at=timezone.now()
        )
