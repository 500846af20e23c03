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


@register.filter
def fingerprint(value, size: int = 8) -> str:
    """A hash, signature or key in groups of `size` characters, as fingerprints are read aloud and compared;
    the grouping also keeps a run of digits in it from being taken for a phone or ID number."""
    text = str(value or "")
    return " ".join(text[i:i + size] for i in range(0, len(text), size))
