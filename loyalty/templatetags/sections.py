"""`{% page_sections "counter.member" member=member %}`: what the program apps add to a page (loyalty.hooks), each
section's partial rendered with the page's context plus its own."""

from django import template
from django.utils.safestring import mark_safe

from loyalty import hooks

register = template.Library()


@register.simple_tag(takes_context=True)
def page_sections(context, slot: str, **values) -> str:
    rendered = []
    for section in hooks.page_sections(slot):
        extra = section.context(request=context.get("request"), **values)
        if extra is None:
            continue
        partial = context.template.engine.get_template(section.template)
        with context.push(**values, **extra):
            rendered.append(partial.render(context))
    return mark_safe("".join(rendered))  # noqa: S308 - the partials' own output, escaped by the template engine
