"""gunicorn settings for the web container (docker-compose.yml, Dockerfile)."""

import os

bind = "0.0.0.0:8000"
workers = int(os.environ.get("WEB_WORKERS", "3"))
accesslog = "-"
# The path without its query string: a searched mobile or ID number never reaches a log.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(b)s %(L)s'
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "*")
