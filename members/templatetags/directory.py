"""The directory's rows, rendered the way the Django admin renders its changelist's rows
(admin_list.items_for_result): in Python.

Fifty rows of about twenty template variables each cost the template engine more than the
page's SQL (each variable is resolved, localized and escaped; a choice's label looked up
per row through get_FOO_display() translates every label of the list again: ~1,500 gettext
calls a page). Here labels and links are worked out once a page, and each row is one
f-string."""

from html import escape

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, pgettext

from members.models import MemberStatus, Occupation, PoliticalStatus, age_on, mask_mobile

register = template.Library()

# A number no member has, replaced by each member's id in the reversed URL.
_PLACEHOLDER = "987654321"


@register.simple_tag
def directory_rows(rows, can_change: bool) -> SafeString:
    """The <tr> of each member on the page (members.selectors.directory_page's rows)."""
    colon = pgettext("after a label", ": ")
    label = {
        key: escape(str(text) + colon)
        for key, text in (
            ("mobile", gettext("Mobile")),
            ("market", gettext("Market")),
            ("occupation", gettext("Occupation")),
            ("political", gettext("Political status")),
            ("age", gettext("Age")),
            ("joined", gettext("Joined")),
            ("status", gettext("Status")),
        )
    }
    occupations = {value: escape(str(text)) for value, text in Occupation.choices}
    political = {value: escape(str(text)) for value, text in PoliticalStatus.choices}
    statuses = {value: escape(str(text)) for value, text in MemberStatus.choices}
    detail_url = escape(reverse("member_detail", args=[int(_PLACEHOLDER)]))
    select = gettext("Select %(name)s")  # the msgid {% blocktranslate %} gave it
    today = timezone.localdate()
    html = []
    for member in rows:
        market = member.market_name
        age = age_on(member.birth_date, today)
        name = escape(member.name)
        checkbox = (
            f'<td class="select"><input type="checkbox" name="ids" value="{member.id}" '
            f'form="bulk" aria-label="{escape(select % {"name": member.name})}"></td>\n      '
            if can_change
            else ""
        )
        html.append(
            f'\n    <tr>\n      {checkbox}<td class="name">'
            f'<a href="{detail_url.replace(_PLACEHOLDER, str(member.id))}">{name}</a></td>\n'
            f'      <td class="mobile" data-label="{label["mobile"]}">'
            f"{escape(mask_mobile(member.mobile))}</td>\n"
            f'      <td data-label="{label["market"]}">'
            f"{escape(market) if market is not None else '—'}</td>\n"
            f'      <td data-label="{label["occupation"]}">'
            f"{occupations.get(member.occupation) or escape(member.occupation)}</td>\n"
            f'      <td data-label="{label["political"]}">'
            f"{political.get(member.political_status) or escape(member.political_status)}</td>\n"
            f'      <td data-label="{label["age"]}">{"" if age is None else age}</td>\n'
            f'      <td data-label="{label["joined"]}">{member.joined_on.isoformat()}</td>\n'
            f'      <td data-label="{label["status"]}">'
            f"{statuses.get(member.status) or escape(member.status)}</td>\n    </tr>"
        )
    # Every value above went through html.escape (the same as Django's escape, without its
    # lazy-string wrapper: a third of this function's time with format_html);
    # tests/test_xss.py puts markup in a member's and a market's name on this page.
    return mark_safe("".join(html))  # noqa: S308
