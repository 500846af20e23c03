"""What every console page knows: the principal, its organisation's name, and which menus it may use."""

from django.utils.translation import gettext as _

from ecredit.access.principal import for_user


def console(request) -> dict:
    """Template context for console pages (the public site will have its own)."""
    if not request.path.startswith("/console/") or not getattr(request, "user", None):
        return {}
    principal = for_user(request.user)
    membership = getattr(request.user, "membership", None)
    return {"principal": principal,
            "principal_org": membership.organisation.name if membership else _("系统"),
            "perms_submit": principal.can("record.submit") and principal.organisation_id is not None,
            "perms_check": principal.can("credit.check"),
            "perms_lists": principal.can("list.handle") or principal.can("list.propose"),
            "perms_tasks": principal.can("measure.respond") and principal.organisation_id is not None,
            "perms_supervision": principal.can("supervision.view"),
            "perms_complaints": principal.can("complaint.handle") or principal.can("complaint.intake"),
            "perms_compensation": principal.can("compensation.view") or principal.can("compensation.pay"),
            "perms_commitments": principal.can("commitment.handle") or principal.can("commitment.sign"),
            "perms_safe_consumption": principal.can("safe_consumption.review"),
            "perms_findings": principal.can("finding.view"),
            "perms_trace": principal.can("trace.view"),
            "perms_parcels": principal.can("parcel.view")}
