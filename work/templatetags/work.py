"""The member page's panel of her activities and of the deeds and donations that name her
(members sits below work and cannot import it; its template loads this tag instead)."""

from django import template

from work.selectors import member_activities, member_help_received

register = template.Library()


@register.inclusion_tag("work/member_activities_panel.html")
def member_activities_panel(member):
    deeds, donations = member_help_received(member)
    return {
        "attendances": member_activities(member)[:100],
        "deeds": deeds[:100],
        "donations": donations[:100],
    }
