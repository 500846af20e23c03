"""At login: note when the session began (the policy's absolute limit counts from there)."""

from __future__ import annotations

import time

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

STARTED = "signin.started"
SEEN = "signin.seen"


@receiver(user_logged_in, dispatch_uid="ecredit.signin.session_start")
def session_started(sender, request, user, **kwargs) -> None:
    """Stamp the new session: the middleware ends it when idle or older than the policy's limits."""
    if request is None or not hasattr(request, "session"):
        return
    now = int(time.time())
    request.session[STARTED] = now
    request.session[SEEN] = now
