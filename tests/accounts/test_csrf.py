import pytest
from django.test import Client
from django.urls import reverse


@pytest.fixture
def strict(district_staff):
    client = Client(enforce_csrf_checks=True)
    client.force_login(district_staff)
    return client


@pytest.mark.parametrize("name", ["logout", "set_language", "password_change", "second_factor"])
def test_posts_without_the_token_are_refused(strict, name):
    response = strict.post(reverse(name), {"language": "en"}, headers={"HX-Request": "true"})
    assert response.status_code == 403


def test_htmx_post_with_the_header_token_passes(strict):
    page = strict.get(reverse("dashboard"))
    token = page.context["csrf_token"]
    assert f'"X-CSRFToken": "{token}"' in page.content.decode()
    response = strict.post(
        reverse("set_language"),
        {"language": "en", "next": "/"},
        headers={"HX-Request": "true", "X-CSRFToken": str(token)},
    )
    assert response.status_code == 302
