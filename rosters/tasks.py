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


@shared_task(
    acks_late=True, reject_on_worker_lost=True, time_limit=30 * 60, soft_time_limit=29 * 60
)
def roster_export_build(export_id: int) -> str:
    """Write one large export (rosters.services.roster_export_build is idempotent: a
    redelivered task finds the export done and leaves it)."""
    return services.roster_export_build(export_id=export_id).status


@shared_task(acks_late=True, time_limit=10 * 60, soft_time_limit=9 * 60)
def roster_exports_expire() -> int:
    """Beat: delete the files of exports older than ROSTER_EXPORT_KEEP_DAYS."""
    return services.roster_exports_expire()
