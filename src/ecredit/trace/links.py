"""GS1 Digital Link URIs the trace page answers (R8.1, R8.2): ours (this deployment's host, the path
/01/{GTIN}/10/{lot} or /21/{serial}) and those of the resolvers trace.yaml accepts. A refused link comes back as
a ValidationFailed that says, in Chinese, what is wrong (the standard's own wording kept in `details`)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from ecredit import policy
from ecredit.kit import gs1
from ecredit.kit.errors import ValidationFailed

REASONS = {
    "empty": _l("请填写商品条码（GTIN）"),
    "bad_length": _l("位数不对"),
    "bad_character": _l("含有不允许的字符"),
    "bad_check_digit": _l("校验位错误"),
    "bad_date": _l("日期无效"),
    "bad_structure": _l("链接结构不符合GS1数字链接标准"),
    "unknown_key": _l("链接含有不适用的应用标识符"),
    "bad_domain": _l("不是本平台或认可的解析服务的链接"),
    "not_gs1": _l("不是GS1数字链接"),
}
FIELDS = {"gtin": _l("商品条码（GTIN）"), "10": _l("批号"), "21": _l("序列号"), "22": _l("产品变体"),
          "17": _l("有效期"), "digital_link": _l("数字链接")}


def refusal(exc: gs1.GS1Error) -> ValidationFailed:
    """A GS1Error as the message a person reads."""
    what = FIELDS.get(exc.key, exc.key)
    reason = str(REASONS.get(exc.reason, exc.reason))
    if exc.reason == "bad_check_digit" and exc.expected:
        message = _("{what} {value} 校验位错误：最后一位应为 {expected}，请核对条码").format(
            what=what, value=exc.value, expected=exc.expected)
    elif exc.reason == "bad_length" and exc.key == "gtin":
        message = _("商品条码（GTIN）应为8、12、13或14位数字，“{value}”是{n}位").format(value=exc.value, n=len(exc.value))
    elif exc.reason == "bad_length":
        message = _("{what}“{value}”过长（最多20个字符）").format(what=what, value=exc.value)
    else:
        message = _("{what}{reason}").format(what=what, reason=reason) if exc.key != "digital_link" else reason
    return ValidationFailed(message, field="gtin" if exc.key == "gtin" else "link", code=f"gs1_{exc.reason}",
                            details={"reason": exc.reason, "standard": exc.message})


def own_hosts(request_host: str = "") -> set[str]:
    """Hosts whose links are ours: the public URL's, and the host a request came in on."""
    hosts = {urlsplit(settings.PUBLIC_URL).netloc.lower(), urlsplit(settings.PUBLIC_URL).hostname or ""}
    if request_host:
        hosts.add(request_host.lower())
        hosts.add(request_host.lower().split(":")[0])
    return {h for h in hosts if h}


def accepted_domains(request_host: str = "", on: dt.date | None = None) -> set[str]:
    """Every host whose Digital Link URIs we read."""
    return own_hosts(request_host) | set(policy.current().trace.digital_link_on(on).resolver_domains)


def parse(text: str, *, request_host: str = "") -> gs1.DigitalLink:
    """A Digital Link naming a GTIN (full URI on an accepted host, or a path /01/...), or ValidationFailed."""
    try:
        link = gs1.parse_digital_link(text, domains=accepted_domains(request_host))
    except gs1.GS1Error as exc:
        raise refusal(exc) from None
    if link.primary != "01":
        raise ValidationFailed(_("该链接标识的不是商品（应以 /01/ 加商品条码开头）"), field="link", code="gs1_not_gtin")
    return link


def trace_path(gtin: str, lot: str = "", serial: str = "") -> str:
    """The public trace page of a lot or item on our host: /01/{GTIN-14}[/10/{lot}][/21/{serial}]."""
    path = f"/01/{gtin}"
    if lot:
        path += f"/10/{quote(lot, safe='')}"
    if serial:
        path += f"/21/{quote(serial, safe='')}"
    return path


def clean_key(gtin: str, lot: str = "", serial: str = "") -> tuple[str, str, str]:
    """GTIN-14, lot and serial as typed in a form, validated as a Digital Link would be."""
    try:
        code = gs1.normalise_gtin(gtin)
        lot = gs1.check_cset82("10", lot.strip(), 20) if lot.strip() else ""
        serial = gs1.check_cset82("21", serial.strip(), 20) if serial.strip() else ""
    except gs1.GS1Error as exc:
        raise refusal(exc) from None
    return code, lot, serial
