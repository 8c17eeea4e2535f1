from celery import shared_task

from reports import services


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=600, soft_time_limit=540)
def workbook_export_build(export_id: int) -> int:
    """Build one annual workbook (reports.services.workbook_export_build is idempotent)."""
    return services.workbook_export_build(export_id=export_id).progress
