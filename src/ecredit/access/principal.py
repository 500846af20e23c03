"""The caller as the domain sees it: who, for which organisation, with which rights."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from ecredit import policy
from ecredit.audit.services import Actor
from ecredit.kit.errors import Forbidden

PUBLIC_ROLE = "public"


@dataclass(frozen=True)
class Principal:
    """A user, an API client or an anonymous visitor, with the rights its role grants (deny by default)."""

    label: str
    role: str
    organisation_id: int | None = None
    organisation_code: str = ""
    organisation_kind: str = "public"
    subject_id: int | None = None
    permissions: frozenset[str] = field(default_factory=frozenset)
    reads: frozenset[str] = field(default_factory=lambda: frozenset({"public"}))

    @classmethod
    def build(cls, label: str, role: str, organisation=None, subject_id: int | None = None) -> "Principal":
        """A principal with the rights `role` has in the current policy; an unknown role gets none."""
        rules = policy.current().access.roles.get(role)
        allowed = rules is not None and (organisation is None or organisation.kind in rules.organisation_kinds)
        return cls(
            label=label,
            role=role if allowed else "",
            organisation_id=getattr(organisation, "id", None),
            organisation_code=getattr(organisation, "code", ""),
            organisation_kind=getattr(organisation, "kind", "public"),
            subject_id=subject_id,
            permissions=frozenset(rules.permissions) if allowed else frozenset(),
            reads=frozenset(rules.reads) if allowed else frozenset(),
        )

    @property
    def is_public(self) -> bool:
        """True for anyone who reads public data only."""
        return self.reads <= {"public"} and self.organisation_id is None

    @property
    def is_anonymous(self) -> bool:
        """True for a visitor who has not identified at all."""
        return self.label == "anonymous"

    @property
    def city_wide(self) -> bool:
        """True for the credit office and the system: handling is not limited to its own organisation."""
        return "scope.city" in self.permissions

    @property
    def acts_as_subject(self) -> bool:
        """True for a subject's own account (it may act only on its own records)."""
        return self.organisation_kind == "subject"

    @property
    def actor(self) -> Actor:
        """This principal as the change and access logs name it."""
        return Actor(self.label, self.organisation_code)

    def can(self, permission: str) -> bool:
        """True when the role grants `permission`."""
        return permission in self.permissions

    def require(self, permission: str) -> None:
        """Raise Forbidden unless the role grants `permission`, naming the right that is missing."""
        if permission not in self.permissions:
            texts = policy.current().access.permissions.get(permission)
            name = (texts.en if get_language().startswith("en") else texts.zh) if texts else permission
            raise Forbidden(_("无权执行此操作：{right}").format(right=name), code="forbidden",
                            details={"permission": permission})


def anonymous() -> Principal:
    """A visitor of the public site."""
    return Principal.build("anonymous", PUBLIC_ROLE)


def system(label: str = "system") -> Principal:
    """The system itself (commands, scheduled tasks): every permission, all data."""
    rules = policy.current().access
    return Principal(label=f"system:{label}", role="system", organisation_kind="credit_office",
                     permissions=frozenset(rules.permissions), reads=frozenset({"public", "authorised",
                                                                               "government", "internal"}))


def for_user(user) -> Principal:
    """The principal of a console user (anonymous if not logged in or without a membership)."""
    if not getattr(user, "is_authenticated", False):
        return anonymous()
    membership = getattr(user, "membership", None)
    if membership is None:
        if user.is_superuser:
            return replace(system(), label=f"user:{user.get_username()}", role="superuser")
        return Principal(label=f"user:{user.get_username()}", role="")
    return Principal.build(f"user:{user.get_username()}", membership.role, membership.organisation,
                           membership.subject_id)


def for_client(client) -> Principal:
    """The principal of an API client: what its role grants, narrowed to its scopes when it has any."""
    principal = Principal.build(f"client:{client.name}", client.role, client.organisation)
    if client.scopes:
        principal = replace(principal, permissions=principal.permissions & frozenset(client.scopes))
    return principal

