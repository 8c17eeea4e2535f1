import logging

from audit.redact import redact

_installed = False


def install_redacting_record_factory() -> None:
    """Redact personal numbers in every log record, whoever logs it and wherever it goes.

    A handler filter would miss records captured by other handlers (Sentry, pytest's caplog,
    a file handler added by an operator); the record factory sees every record first.
    """
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a malformed log call must still be logged, not crash
            return record
        cleaned = redact(message)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        if record.exc_info:
            # Database errors quote the offending value ("Key (mobile)=(138…) already exists").
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return record

    logging.setLogRecordFactory(factory)
    _installed = True
