"""security.yaml's login rules in force, and what they mean for a given user."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from ecredit import policy


def security():
    """The typed security.yaml of the current policy."""
    return policy.current().security


def today() -> dt.date:
    """The local date rules are chosen by."""
    return timezone.localdate()


def requires_second_factor(user) -> bool:
    """True when `user` must give a one-time password after the password (officer roles and admin-site staff)."""
    if not getattr(user, "is_authenticated", False):
        return False
    rule = security().second_factor_rule(today())
    if rule.staff and (user.is_staff or user.is_superuser):
        return True
    membership = getattr(user, "membership", None)
    return membership is not None and membership.role in rule.roles


def password_changed_at(user) -> dt.datetime:
    """When `user` last set a password (the account's creation if never since)."""
    from .models import PasswordChange

    row = PasswordChange.objects.filter(user_id=user.pk).values_list("changed_at", flat=True).first()
    return row or user.date_joined


def password_expired(user, now: dt.datetime | None = None) -> bool:
    """True when `user`'s password is older than the policy's maximum age (0: never)."""
    rule = security().password_rule(today())
    if not rule.max_age_days or not user.has_usable_password():
        return False
    return (now or timezone.now()) - password_changed_at(user) > dt.timedelta(days=rule.max_age_days)
