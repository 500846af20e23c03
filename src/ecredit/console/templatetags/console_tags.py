"""Template filters for console pages: personal data shown as the viewer may see it."""

from django import template

from ecredit.archive.services import present
from ecredit.registry.services import display_name

register = template.Library()


@register.filter
def subject_name(subject, principal) -> str:
    """A subject's name; a person's is masked for viewers without the right to see identities."""
    return display_name(subject, principal) if subject is not None else ""


@register.filter
def record_summary(record, principal) -> str:
    """A record's summary with identifiers in its text masked for viewers without the right."""
    return present(record, principal)[0]
