"""gunicorn settings for the web container (docker-compose.yml, Dockerfile)."""

import os
import re

from gunicorn.glogging import Logger

bind = "0.0.0.0:8000"
workers = int(os.environ.get("WEB_WORKERS", "3"))
accesslog = "-"
# The path without its query string: a searched mobile or ID number never reaches a log.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(b)s %(L)s'
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "*")

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def escape_controls(value: str) -> str:
    """Control characters as visible escapes: a path with %00 writes "\\x00", never a raw NUL
    (or a line break that forges a second log line)."""
    return _CONTROL.sub(lambda match: f"\\x{ord(match.group()):02x}", value)


class EscapingLogger(Logger):
    """gunicorn's logger, with every access-log field escaped (the path is decoded from %XX
    before it reaches the log)."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {
            key: escape_controls(value) if isinstance(value, str) else value
            for key, value in atoms.items()
        }


logger_class = EscapingLogger
