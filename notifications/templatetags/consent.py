"""The member page's panel of her consent and opt-out per channel (members sits below
notifications and cannot import it; its template loads this tag instead)."""

from django import template

from notifications.selectors import member_channels

register = template.Library()


@register.inclusion_tag("notifications/member_consent_panel.html")
def member_consent_panel(member, can_change):
    if not can_change:  # only for those who may change her; the view checks again
        return {"show": False}
    return {"show": True, "member": member, "channels": member_channels(member)}
