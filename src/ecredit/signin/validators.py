"""Password validators that read security.yaml, so the policy file, not settings, says what a password must be."""

from __future__ import annotations

import string

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from .rules import security, today

CLASSES = (
    ("lower", set(string.ascii_lowercase)),
    ("upper", set(string.ascii_uppercase)),
    ("digit", set(string.digits)),
)


def character_classes(password: str) -> int:
    """How many kinds of character `password` uses: lower-case, upper-case, digits, anything else."""
    kinds = sum(1 for _name, chars in CLASSES if any(c in chars for c in password))
    other = any(not any(c in chars for _name, chars in CLASSES) for c in password)
    return kinds + int(other)


class PolicyPasswordValidator:
    """Length and kinds of character from security.yaml; records when a password was set (for its maximum age)."""

    def validate(self, password: str, user=None) -> None:
        """Raise ValidationError listing every way `password` falls short of the policy."""
        rule = security().password_rule(today())
        problems = []
        if len(password) < rule.min_length:
            problems.append(ValidationError(_("密码至少需要{n}个字符").format(n=rule.min_length),
                                            code="password_too_short"))
        if character_classes(password) < rule.min_classes:
            problems.append(ValidationError(
                _("密码须包含大写字母、小写字母、数字、其他符号中的至少{n}种").format(n=rule.min_classes),
                code="password_too_simple"))
        if problems:
            raise ValidationError(problems)

    def get_help_text(self) -> str:
        """What the policy asks of a password, for forms."""
        rule = security().password_rule(today())
        return _("密码至少{length}个字符，包含大写字母、小写字母、数字、其他符号中的至少{n}种").format(
            length=rule.min_length, n=rule.min_classes)

    def password_changed(self, password: str, user=None) -> None:
        """Note when `user` set a password (Django calls this after a validated password is saved)."""
        if user is None or user.pk is None:
            return
        from .models import PasswordChange

        PasswordChange.objects.update_or_create(user_id=user.pk, defaults={"changed_at": timezone.now()})
