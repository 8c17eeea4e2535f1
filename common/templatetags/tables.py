"""Tags for tables every app's pages use ({% load tables %}; registered in the settings'
TEMPLATES libraries, since common is not an app)."""

from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag(takes_context=True)
def sort_th(context, key: str, label: str) -> SafeString:
    """A sortable column's header: a link that sorts by it, or reverses the sort it shows
    (the page's context gives `sort` and `sort_query`). In Python: five {% include %}s of a
    header template cost the directory about as much as its fifty rows."""
    sort = context.get("sort")
    query = escape(str(context.get("sort_query", "")))
    label = escape(str(label))
    if sort == key:
        aria, target, text = ' aria-sort="ascending"', f"-{key}", f"{label} ▲"
    elif sort == f"-{key}":
        aria, target, text = ' aria-sort="descending"', key, f"{label} ▼"
    else:
        aria, target, text = "", key, label
    href = f"?{query}&amp;sort={escape(target)}"
    return mark_safe(  # noqa: S308 (every value above went through html.escape)
        f'<th{aria}><a href="{href}" hx-get="{href}" hx-target="#results" hx-push-url="true" '
        f'data-focus-key="sort-{escape(key)}">{text}</a></th>\n'
    )
