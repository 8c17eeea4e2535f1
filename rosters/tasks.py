from celery import shared_task
from django.contrib.auth import get_user_model

from rosters import services
from rosters.models import BatchStatus, ImportBatch


@shared_task(acks_late=True, time_limit=15 * 60, soft_time_limit=14 * 60)
def roster_preview(batch_id: int, user_id: int) -> str:
    """Read a large roster file in the background. Idempotent: a redelivered task finds
    the batch already previewed and does nothing."""
    batch = ImportBatch.objects.filter(pk=batch_id, status=BatchStatus.READING).first()
    if batch is None:
        return "skipped"
    user = get_user_model().objects.get(pk=user_id)
    try:
        services.batch_preview(batch=batch, by=user)
    except Exception:
        ImportBatch.objects.filter(pk=batch_id).update(
            status=BatchStatus.FAILED, error="内部错误，请重新上传"
        )
        raise
    return "done"
