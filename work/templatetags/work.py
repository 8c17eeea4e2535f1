"""The member page's panel of her activities (members sits below work and cannot import it;
its template loads this tag instead)."""

from django import template

from work.selectors import member_activities

register = template.Library()


@register.inclusion_tag("work/member_activities_panel.html")
def member_activities_panel(member):
    return {"attendances": member_activities(member)[:100]}
