"""`{{ n|points:program }}` writes "1 star", "25 stars", "1,234 points" in the active language
(loyalty/points_names.py); `{{ program|points_unit:n }}` the unit alone."""

from django import template

from loyalty import points_names

register = template.Library()


@register.filter
def points(count, program) -> str:
    return points_names.points_phrase(int(count or 0), program)


@register.filter
def points_unit(program, count=None) -> str:
    return points_names.points_unit(program, None if count in (None, "") else int(count))
