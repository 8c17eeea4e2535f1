from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo district and ``manage.py seed_demo``; the product never imports this app."""

    name = "demo"
    verbose_name = "Demo data"
