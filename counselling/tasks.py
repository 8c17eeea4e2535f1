from celery import shared_task

from counselling import services


@shared_task(acks_late=True, time_limit=600, soft_time_limit=540)
def anonymize_closed_requests() -> int:
    """Celery beat, daily: idempotent, so a redelivery or a second run does no harm."""
    return services.requests_anonymize_expired()
