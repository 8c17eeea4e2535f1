FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

# pg_dump/pg_restore for `manage.py backup`/`restore` must match the server (PostgreSQL 16).
RUN apt-get update && apt-get install -y --no-install-recommends gettext postgresql-common \
    && /usr/share/postgresql-common/pgdg/apt.postgresql.org.sh -y \
    && apt-get install -y --no-install-recommends postgresql-client-16 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 1000 app

COPY pyproject.toml ./
COPY . .
RUN pip install . \
    && DEBUG=0 SECRET_KEY=collectstatic-only-not-a-real-key-0123456789abcdefghij \
       python manage.py collectstatic --no-input

# Backups land in a volume owned by the app user (see docker-compose.yml).
RUN mkdir -p /app/backups /app/media && chown app:app /app/backups /app/media && chmod 0700 /app/backups /app/media
USER app
EXPOSE 8000
CMD ["gunicorn", "-c", "config/gunicorn.py", "config.wsgi:application"]
