"""Settings fail loudly on bad configuration; each case runs in a fresh interpreter."""

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, parse_database_url

GOOD_KEY = "k" * 60
ID_KEYS = {
    "ID_NUMBER_KEYS": "dGVzdC1vbmx5LWlkLW51bWJlci1rZXktMDEyMzQ1Njc=",
    "ID_NUMBER_HASH_KEY": "h" * 40,
}


def load_settings(**env) -> subprocess.CompletedProcess:
    unset = {"DEBUG", "SECRET_KEY", "DATABASE_URL", "ID_NUMBER_KEYS", "ID_NUMBER_HASH_KEY"}
    clean = {k: v for k, v in os.environ.items() if k not in unset}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c", "import config.settings as s; print(s.DEBUG)"],
        env=clean,
        capture_output=True,
        text=True,
        check=False,
    )


def test_missing_secret_key_is_refused_without_debug():
    result = load_settings()
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_default_secret_key_is_refused_without_debug():
    result = load_settings(SECRET_KEY="dev-insecure-lusong-federation-key-do-not-use-in-production")
    assert result.returncode != 0


def test_debug_with_postgres_is_refused_unless_forced():
    url = "postgres://postgres@127.0.0.1:5432/anything"
    refused = load_settings(DEBUG="1", DATABASE_URL=url)
    assert refused.returncode != 0 and "ALLOW_DEBUG_WITH_DATABASE" in refused.stderr
    forced = load_settings(DEBUG="1", DATABASE_URL=url, ALLOW_DEBUG_WITH_DATABASE="1")
    assert forced.returncode == 0, forced.stderr


def test_production_refuses_to_start_without_id_number_keys():
    result = load_settings(SECRET_KEY=GOOD_KEY)
    assert result.returncode != 0 and "ID_NUMBER_KEYS" in result.stderr


def test_production_settings_load_with_real_keys():
    result = load_settings(SECRET_KEY=GOOD_KEY, **ID_KEYS)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_bad_boolean_is_refused(monkeypatch):
    monkeypatch.setenv("DEBUG", "maybe")
    with pytest.raises(ImproperlyConfigured):
        env_bool("DEBUG")


def test_bad_integer_is_refused(monkeypatch):
    monkeypatch.setenv("EMAIL_PORT", "twenty-five")
    with pytest.raises(ImproperlyConfigured):
        env_int("EMAIL_PORT", 25)


def test_database_url_parsing():
    config = parse_database_url("postgres://u:p%40ss@db.example:6543/lusong")
    assert config["NAME"] == "lusong" and config["PASSWORD"] == "p@ss"
    assert config["PORT"] == "6543" and config["OPTIONS"]["pool"]
    assert parse_database_url("sqlite:///demo.sqlite3")["NAME"] == "demo.sqlite3"
    with pytest.raises(ImproperlyConfigured):
        parse_database_url("mysql://x/y")
