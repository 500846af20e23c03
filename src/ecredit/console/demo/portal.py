"""The demo city's portal side: subject accounts for "本人查询", and notices (typical cases, platforms' risk
alerts and major events, a merchant's own disclosure) published through the portal's service."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db.models import Count

from ecredit.access.models import Membership, Organisation, OrganisationKind
from ecredit.access.principal import Principal
from ecredit.archive.models import CreditRecord
from ecredit.console import demo_accounts
from ecredit.portal import publications
from ecredit.registry.models import Subject, SubjectKind

PLATFORM_EVENTS = (
    ("《平台服务协议》修订公示", "本平台拟修订《平台服务协议》第七章“商品质量与售后”，新增七日无理由退货的适用范围说明，"
     "自公示之日起七日后生效。修订内容已在平台首页显著位置持续公示，平台内经营者如有意见可通过商家后台反馈。"),
    ("平台信用评价规则调整", "自下月一日起，买家对同一商品的重复评价在十四日内只计一次，评价期限为交易成功后十五日，"
     "与《电子商务法》第三十九条及本平台公示的评价规则一致。"),
)
CASES = (
    "“{name}”销售不合格产品被依法查处",
    "“{name}”虚假宣传典型案例",
    "“{name}”因严重违法失信被列入名单",
)


def write(orgs: dict[str, Organisation]) -> dict[str, int]:
    """Subject accounts and notices; returns how many of each were made."""
    made = {"accounts": _accounts(), "notices": 0}
    admin = Principal.build("user:admin", "credit_office_admin", orgs["credit_office"])
    serious = (CreditRecord.objects.public().filter(record_type_id="admin_penalty_serious",
                                                   subject__kind=SubjectKind.ORGANISATION)
               .select_related("subject").order_by("id")[:len(CASES)])
    for template, record in zip(CASES, serious):
        publications.publish(admin, kind="typical_case", title=template.format(name=record.subject.name),
                             subject_id=record.subject_id,
                             body=f"{record.summary}\n\n该案由{record.source.name}依法查处。"
                                  "市信用办提醒广大经营者诚信经营，消费者发现类似问题可拨打12315投诉举报。")
        made["notices"] += 1
    for org in Organisation.objects.filter(kind=OrganisationKind.PLATFORM).order_by("code"):
        principal = Principal.build(f"demo:{org.code}", "platform_client", org)
        own = Subject.objects.filter(uscc=org.uscc).first()
        if own is None:
            continue
        title, body = PLATFORM_EVENTS[own.pk % len(PLATFORM_EVENTS)]
        publications.publish(principal, kind="platform_event", title=title, body=body)
        risky = (Subject.objects.filter(platform=own, records__polarity="negative").annotate(n=Count("records"))
                 .order_by("-n", "id")[:2])
        for shop in risky:
            publications.publish(principal, kind="risk_alert", subject_id=shop.pk,
                                 title=f"关于“{shop.name}”的消费风险提示",
                                 body=f"经核查，平台内网店“{shop.name}”近期存在多起消费投诉或违规记录。"
                                      "请消费者谨慎交易，保留购物凭证，发生纠纷可通过平台投诉渠道或12315维权。")
            made["notices"] += 2 if shop is risky[0] else 1
    merchant = _subject_of("merchant")
    if merchant is not None:
        principal = Principal.build("user:merchant", "subject_account", _self_service(), merchant.pk)
        publications.publish(principal, kind="merchant_disclosure", topic="service_commitment",
                             title="售后服务承诺", body="本公司旗下网店承诺：商品支持七日无理由退货，质量问题退货运费由本公司承担，"
                                                     "投诉在二十四小时内响应。")
        made["notices"] += 1
    return made


def _self_service() -> Organisation:
    code, name = demo_accounts.SUBJECT_ORGANISATION
    org, _ = Organisation.objects.get_or_create(code=code, defaults={"name": name, "kind": OrganisationKind.SUBJECT})
    return org


def _subject_of(which: str) -> Subject | None:
    """The demo person with the most records, or the organisation that operates the most shops."""
    if which == "person":
        return (Subject.objects.filter(kind=SubjectKind.PERSON).annotate(n=Count("records"))
                .order_by("-n", "id").first())
    return (Subject.objects.filter(kind=SubjectKind.ORGANISATION).annotate(n=Count("operated_shops"))
            .order_by("-n", "id").first())


def _accounts() -> int:
    users = get_user_model()
    password = make_password(demo_accounts.DEMO_PASSWORD)
    org = _self_service()
    made = 0
    for username, (which, description) in demo_accounts.SUBJECT_USERS.items():
        subject = _subject_of(which)
        if subject is None:
            continue
        user = users.objects.create(username=username, password=password, first_name=description.split(" / ")[0])
        Membership.objects.create(user=user, organisation=org, role="subject_account", subject_id=subject.pk)
        made += 1
    return made
