"""`ecredit api-client issue|rotate|revoke|scopes|list`: manage API clients and their tokens from the server.

    ecredit api-client issue --org platform_1 --role platform_client --name sync [--scopes a,b] [--days N]
    ecredit api-client rotate CLIENT [--days N]
    ecredit api-client revoke CLIENT --reason "合作终止"
    ecredit api-client scopes CLIENT --set record.submit,batch.view      (--set "": all the role grants)
    ecredit api-client list [--org CODE] [--all]

CLIENT is the client's number or its token prefix. A new token is the only thing written to stdout (so
`TOKEN=$(ecredit api-client issue ...)` works); what was done goes to stderr. Every change is in the change
log, by `system:cli:<login name>`. Exit status 2 when the change is refused.
"""

from __future__ import annotations

import getpass

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ecredit.access import tokens
from ecredit.access.models import ApiClient, ClientStatus
from ecredit.access.principal import system
from ecredit.kit.errors import DomainError


def _operator():
    try:
        login = getpass.getuser()
    except Exception:  # no login name in some containers
        login = "unknown"
    return system(f"cli:{login}")


def _client(ref: str) -> ApiClient:
    """The client numbered `ref`, or the one whose current token starts with it."""
    found = ApiClient.objects.filter(Q(pk=int(ref)) if ref.isdigit() else Q(token_prefix__startswith=ref))
    matches = list(found[:2]) if ref else []
    if len(matches) != 1:
        raise CommandError(_("找不到唯一的接口客户端“{ref}”（请用编号或令牌前缀）").format(ref=ref), returncode=2)
    return matches[0]


def _codes(text: str | None) -> list[str]:
    return [c.strip() for c in (text or "").replace("，", ",").split(",") if c.strip()]


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "—"


class Command(BaseCommand):
    help = "Issue, rotate, revoke, rescope or list API clients; a new token is printed once, on stdout."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True,
                                        metavar="{issue,rotate,revoke,scopes,list}")
        issue = actions.add_parser("issue", help="a new client and its token")
        issue.add_argument("--org", required=True, help="organisation code")
        issue.add_argument("--role", required=True, help="role of access.yaml, e.g. platform_client")
        issue.add_argument("--name", required=True, help="the client's name, unique in its organisation")
        issue.add_argument("--scopes", default="",
                           help="comma-separated permission codes (default: all the role grants)")
        issue.add_argument("--days", type=int,
                           help="lifetime in days (default and most: security.yaml api_tokens)")
        rotate = actions.add_parser("rotate", help="a new token; the old one works for the overlap")
        rotate.add_argument("client", help="client number or token prefix")
        rotate.add_argument("--days", type=int, help="lifetime of the new token in days")
        revoke = actions.add_parser("revoke", help="refuse the client's tokens from now on")
        revoke.add_argument("client", help="client number or token prefix")
        revoke.add_argument("--reason", required=True,
                            help="why (kept with the client and in the change log)")
        scopes = actions.add_parser("scopes", help="set the permissions the client is narrowed to")
        scopes.add_argument("client", help="client number or token prefix")
        scopes.add_argument("--set", required=True, dest="scopes", help="comma-separated permission codes; "
                                                                         "empty: all the role grants")
        listing = actions.add_parser("list", help="clients, their scopes, expiry, last use and state")
        listing.add_argument("--org", help="only this organisation's clients")
        listing.add_argument("--all", action="store_true", help="include revoked clients")

    def handle(self, *args, action: str, **options):
        self.stderr.style_func = None   # what was done goes to stderr, but it is not an error
        operator = _operator()
        try:
            if action == "issue":
                issued = tokens.issue(operator, organisation=options["org"], role=options["role"],
                                      name=options["name"], scopes=_codes(options["scopes"]),
                                      days=options["days"])
                self._issued(issued, _("已签发"))
            elif action == "rotate":
                issued = tokens.rotate(_client(options["client"]).pk, operator, days=options["days"])
                self._issued(issued, _("已轮换"))
                client = issued.client
                if client.previous_valid_until:
                    self.stderr.write(_("原令牌 {prefix}… 在 {until} 前仍然有效").format(
                        prefix=client.previous_prefix, until=_when(client.previous_valid_until)))
            elif action == "revoke":
                client = tokens.revoke(_client(options["client"]).pk, operator, reason=options["reason"])
                self.stderr.write(_("已吊销 #{id} {name}（{prefix}…）").format(id=client.pk, name=client.name,
                                                                        prefix=client.token_prefix))
            elif action == "scopes":
                client = tokens.set_scopes(_client(options["client"]).pk, operator, _codes(options["scopes"]))
                self.stderr.write(_("#{id} {name} 的权限范围：{scopes}").format(
                    id=client.pk, name=client.name, scopes=", ".join(client.scopes) or _("角色的全部权限")))
            else:
                self._list(operator, options["org"], options["all"])
        except DomainError as exc:
            raise CommandError(str(exc.message), returncode=2) from None

    def _issued(self, issued: tokens.Issued, done: str) -> None:
        client = issued.client
        self.stderr.write(_("{done} #{id} {name}（{org}，{role}），{until} 失效。令牌只显示这一次，请妥善保存：").format(
            done=done, id=client.pk, name=client.name, org=client.organisation.code, role=client.role,
            until=_when(client.expires_at)))
        self.stdout.write(issued.token)

    def _list(self, operator, org: str | None, everything: bool) -> None:
        found = tokens.clients(operator)
        if org:
            found = found.filter(organisation__code=org)
        if not everything:
            found = found.filter(revoked_at__isnull=True)
        now = timezone.now()
        self.stdout.write("\t".join(["#", _("名称"), _("单位"), _("角色"), _("权限范围"), _("令牌前缀"), _("创建"),
                                     _("失效"), _("最近使用"), _("状态")]))
        for c in found:
            state = str(ClientStatus(c.status(now)).label)
            if c.expires_at is None and c.revoked_at is None:
                state += " / " + _("永不过期")
            self.stdout.write("\t".join([str(c.pk), c.name, c.organisation.code, c.role,
                                         ",".join(c.scopes) or "*", c.token_prefix, _when(c.created_at),
                                         _when(c.expires_at), _when(c.last_used_at), state]))
