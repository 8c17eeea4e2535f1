"""Celery entry points: each loads by id and calls a service. Idempotent: the state column
of a notice and of each recipient row makes a redelivered task do no harm."""

from celery import shared_task
from django.utils import timezone

from notifications import services

TASK_OPTIONS = {"acks_late": True, "reject_on_worker_lost": True}


@shared_task(**TASK_OPTIONS)
def notice_dispatch(notice_id: int) -> int:
    """Freeze the audience (once) and queue its batches."""
    services.notice_freeze(notice_id=notice_id)
    notice_post_to_wecom.delay(notice_id)
    return notice_enqueue(notice_id)


@shared_task(bind=True, max_retries=20, **TASK_OPTIONS)
def notice_post_to_wecom(self, notice_id: int) -> None:
    wait = services.notice_post_to_wecom(notice_id=notice_id)
    if wait is not None:
        raise self.retry(countdown=wait)


def notice_schedule(**fields) -> "services.Notice":
    """Schedule a notice (services.notice_create) and, if it is due now, queue it on commit."""
    notice = services.notice_create(**fields)
    if notice.send_at <= timezone.now():
        notice_dispatch.delay_on_commit(notice.pk)
    return notice


def notice_retry_failed(**fields) -> int:
    retried = services.notice_retry_failed(**fields)
    if retried:
        notice_enqueue(fields["notice"].pk)
    return retried


def notice_enqueue(notice_id: int) -> int:
    batches = services.notice_batches(notice_id=notice_id)
    for first, last in batches:
        recipients_send.delay(notice_id, first, last)
    if not batches:
        services.notice_finish_if_done(notice_id=notice_id)
    return len(batches)


@shared_task(bind=True, max_retries=None, **TASK_OPTIONS)
def recipients_send(self, notice_id: int, first_id: int, last_id: int) -> int:
    result = services.recipients_send_batch(notice_id=notice_id, first_id=first_id, last_id=last_id)
    if result.retry_in is not None:
        raise self.retry(countdown=result.retry_in)
    return result.sent


@shared_task(**TASK_OPTIONS)
def recipients_sweep() -> int:
    batches = services.recipients_sweep(now=timezone.now())
    for notice_id, first, last in batches:
        recipients_send.delay(notice_id, first, last)
    return len(batches)


@shared_task(**TASK_OPTIONS)
def notices_dispatch_due() -> int:
    due = services.notices_due()
    for notice_id in due:
        notice_dispatch.delay(notice_id)
    return len(due)
