"""Every URL pattern, as every persona, with hostile values in every parameter a page or
form reads: no answer is a 500 (issue 8: non-ASCII digits, NUL, 10k strings, negative and huge
numbers). The walk prints how many pattern × persona × value combinations it made."""

import inspect

import pytest
from django import forms as django_forms
from django.test import Client

from accounts import forms as accounts_forms
from audit import forms as audit_forms
from elections import forms as elections_forms
from federation import forms as federation_forms
from members import forms as members_forms
from tests.test_permission_matrix import RULES, build_url, url_patterns
from tests.test_permission_matrix import sides as sides  # the fixture, shared

HOSTILE = {
    "superscript two": "²",
    "arabic-indic digits": "١٢",
    "full-width digits": "１２",
    "NUL": "a\x00b",
    "10k characters": "王" * 10_000,
    "negative": "-1",
    "zero": "0",
    "huge": "9" * 30,
    "float overflow": "1e400",
}
PERSONAS = [
    "district_staff",
    "chair_a",
    "chair_b",
    "viewer",
    "counsellor",
    "outsider",
    "anonymous",
]
# Read outside forms by views (query strings, pickers, pagers, redirects).
QUERY_PARAMETERS = {"q", "page", "parent", "member", "field", "next", "decision", "revoke"}
ID_PARAMETERS = [
    "parent",
    "member",
    "page",
    "organization",
    "tag",
    "home",
    "ids",
    "to_organization",
    "market",
    "chair",
    "vice_chairs",
    "executives",
    "q",
]
SINGLE_PARAMETER_PERSONAS = {"district_staff"}
SINGLE_PARAMETER_VALUES = {"superscript two", "huge"}
# Where a very long string is sent: free text fields (all 54 at 10k each would only measure
# the test client).
LONG_TEXT_PARAMETERS = ["q", "username", "name", "tag", "reason", "notes", "mobile", "next"]


def parameter_names() -> list[str]:
    """Every field of every form of the project, and the parameters views read directly."""
    names = set(QUERY_PARAMETERS)
    for module in (accounts_forms, audit_forms, elections_forms, federation_forms, members_forms):
        for _, form in inspect.getmembers(module, inspect.isclass):
            if issubclass(form, django_forms.BaseForm) and form.__module__ == module.__name__:
                names.update(form.base_fields)
    names.update({"username", "password", "stall_number", "version"})
    return sorted(names)


def hostile_path(url: str, value: str) -> str:
    """The URL with its first id replaced by a huge number (int converters take only ASCII
    digits; a number past a bigint must still be a 404)."""
    parts = url.split("/")
    for index, part in enumerate(parts):
        if part.isascii() and part.isdigit():
            parts[index] = value
            return "/".join(parts)
    return url


@pytest.mark.parametrize("persona", PERSONAS)
def test_no_hostile_value_makes_a_500(persona, request, sides, capsys):
    user = None if persona == "anonymous" else request.getfixturevalue(persona)
    client = Client(raise_request_exception=False)
    names = parameter_names()
    failures = []
    walked = 0
    patterns = list(url_patterns())
    for name, route in patterns:
        rule = RULES[name]
        url = build_url(route, rule.kwargs, sides["a"])
        if user is not None:
            client.force_login(user)  # logout earlier in the walk ends the session
        for label, value in HOSTILE.items():
            walked += 1
            sent = LONG_TEXT_PARAMETERS if len(value) > 100 else names
            requests = [
                ("get", url, dict.fromkeys(sent, value)),
                ("post", url, dict.fromkeys(sent, value)),
            ]
            # One id-like parameter at a time too, for the widest and a narrow login, so
            # that an early 400 on one parameter does not hide the others.
            if persona in SINGLE_PARAMETER_PERSONAS and label in SINGLE_PARAMETER_VALUES:
                for param in ID_PARAMETERS:
                    requests += [("get", url, {param: value}), ("post", url, {param: value})]
            if label == "huge":
                requests.append(("get", hostile_path(url, value), {}))
            for method, target, data in requests:
                response = getattr(client, method)(target, data)
                if response.status_code >= 500:
                    shown = {k: (v[:12] + "…" if len(v) > 12 else v) for k, v in data.items()}
                    failures.append(
                        f"{persona} {method.upper()} {target} ({name}) {label} "
                        f"{list(shown)[:3] if len(shown) > 3 else shown}: "
                        f"{response.status_code}"
                    )
    with capsys.disabled():
        print(
            f"\nfuzz[{persona}]: {len(patterns)} URL patterns × 1 persona × {len(HOSTILE)} "
            f"values = {walked} combinations, {len(names)} parameters each"
        )
    assert not failures, "\n".join(failures[:40])
