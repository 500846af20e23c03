"""Console pages of findings: who sees the list and which findings, the evidence pages of each kind (a ring drawn
as a graph), confirming and dismissing through the forms (a reason required; a confirmed ring shows the credit
records it wrote), the runs page with "run now" and "retrain" for who may run detection.

The planted marketplace of tests/findings/world.py is built and searched once per module (in a transaction
rolled back at the end); each test runs in a savepoint of it."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client

from ecredit.access.models import Membership
from ecredit.archive.models import CreditRecord
from ecredit.audit.models import AccessLogEntry
from ecredit.audit.services import Actor
from ecredit.findings import services
from ecredit.findings.models import DetectionRun, Finding, FindingKind, FindingStatus
from ecredit.marketplace.models import ReviewShield
from tests import factories as f
from tests.findings import world as planted
from tests.factories import console_login

PASSWORD = "Findings-pass-2026"


def user(org, role: str, username: str):
    account = get_user_model().objects.create_user(username, password=PASSWORD, is_staff=role != "platform_client")
    Membership.objects.create(user=account, organisation=org, role=role)
    return account


@pytest.fixture(scope="module")
def _town(django_db_setup, django_db_blocker):
    from django.db import transaction

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            w = planted.build()
            market = f.organisation("department", "market_regulation", name="南通市市场监督管理局")
            postal = f.organisation("department", "postal", name="南通市邮政管理局")
            office = f.organisation("credit_office", "credit_office", name="南通市信用办")
            users = {"market": user(market, "department_officer", "market"),
                     "postal": user(postal, "department_officer", "postal"),
                     "admin": user(office, "credit_office_admin", "office"),
                     "platform": user(w.platform_org, "platform_client", "platform")}
            run = services.run_detection(Actor("system:test", "credit_office"), parcel_tables=planted.parcel_tables(w))
            assert run.status == "finished", run.error
            yield {"w": w, "users": users, "run": run}
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def town(_town, db):
    return _town


def client_of(town, name: str) -> Client:
    client = Client()
    console_login(client, town["users"][name])
    return client


def text(response) -> str:
    return response.content.decode()


def one(kind: str, **filters) -> Finding:
    return Finding.objects.filter(kind=kind, **filters).order_by("rank", "id").first()


def ring() -> Finding:
    return one(FindingKind.ORDER_RING)


def test_the_market_officer_sees_counts_by_kind_and_status_and_filters(town):
    client = client_of(town, "market")
    page = text(client.get("/console/findings/"))
    assert 'href="/console/findings/"' in page                     # the menu link
    counts = page[page.index('id="finding-counts"'):page.index('id="finding-filter"')]
    assert "疑似刷单团伙" in counts and "疑似冒用他人名称" in counts
    assert "疑似无证支付渠道" not in counts                          # routed to the central bank's branch only
    rows = re.findall(r'<tr id="finding-(\d+)" class="finding-row">', page)
    visible = Finding.objects.filter(kind__in=["order_ring", "review_accounts", "empty_parcel", "borrowed_name",
                                               "missing_licence"], status="open")
    assert sorted(map(int, rows)) == sorted(visible.values_list("pk", flat=True))

    page = text(client.get("/console/findings/", {"kind": "order_ring", "status": ""}))
    rows = re.findall(r'<tr id="finding-(\d+)" class="finding-row">', page)
    assert rows == [str(ring().pk)] and "个买家集中向" in page

    # subject search: by a ring shop's id, by the borrowed name
    assert str(ring().pk) in re.findall(r'<tr id="finding-(\d+)"', text(client.get("/console/findings/",
                                                                                    {"q": "S31", "status": ""})))
    found = re.findall(r'<tr id="finding-(\d+)"', text(client.get("/console/findings/", {"q": "华美服饰"})))
    assert found == [str(one(FindingKind.BORROWED_NAME).pk)]
    # a platform that has no findings lists none; the planted one lists its own
    assert not re.findall(r'<tr id="finding-', text(client.get("/console/findings/", {"platform": "999999"})))
    assert re.findall(r'<tr id="finding-', text(client.get("/console/findings/",
                                                           {"platform": town["w"].platform.pk})))


def test_paging_keeps_the_filters(town, monkeypatch):
    from ecredit.console import finding_views

    monkeypatch.setattr(finding_views, "PAGE_SIZE", 2)
    page = text(client_of(town, "market").get("/console/findings/", {"status": "open", "kind": ""}))
    assert len(re.findall(r'class="finding-row"', page)) == 2
    assert "status=open&amp;page=2" in page
    second = text(client_of(town, "market").get("/console/findings/", {"status": "open", "page": 2}))
    assert len(re.findall(r'class="finding-row"', second)) >= 1


def test_a_postal_officer_sees_only_the_parcels_routed_to_postal(town):
    client = client_of(town, "postal")
    page = text(client.get("/console/findings/", {"status": ""}))
    kinds = set(Finding.objects.filter(pk__in=re.findall(r'<tr id="finding-(\d+)"', page))
                .values_list("kind", flat=True))
    assert kinds == {"empty_parcel"}
    assert client.get(f"/console/findings/{ring().pk}/").status_code == 404
    parcel = text(client.get(f"/console/findings/{one(FindingKind.EMPTY_PARCEL).pk}/"))
    assert "运单生成早于付款" in parcel and "跨城运输无分拨中心扫描" in parcel
    assert "accepted → signed" in parcel                                  # the scans of a hit waybill


def test_a_platform_user_and_the_public_cannot_see_findings(town):
    finding = ring()
    platform = client_of(town, "platform")
    assert platform.get("/console/findings/").status_code == 403
    assert platform.get(f"/console/findings/{finding.pk}/").status_code == 403
    assert platform.get("/console/findings/runs/").status_code == 403
    assert platform.post(f"/console/findings/{finding.pk}/action",
                         {"action": "confirm", "reason": "平台自证"}).status_code == 403
    assert 'href="/console/findings/"' not in text(platform.get("/console/"))     # no menu link either
    public = Client()
    for url in ("/console/findings/", f"/console/findings/{finding.pk}/", "/console/findings/runs/"):
        response = public.get(url)
        assert response.status_code == 302 and "/console/login/" in response["Location"]
    assert public.post(f"/console/findings/{finding.pk}/action", {"action": "dismiss", "reason": "x"}
                       ).status_code == 302
    finding.refresh_from_db()
    assert finding.status == FindingStatus.OPEN


def test_the_ring_page_shows_members_orders_times_density_and_the_graph(town):
    finding = ring()
    before = AccessLogEntry.objects.count()
    page = text(client_of(town, "market").get(f"/console/findings/{finding.pk}/"))
    assert AccessLogEntry.objects.count() == before + 1                 # reading the evidence is logged
    graph = page[page.index('<svg'):page.index("</svg>")]
    assert graph.count('class="ring-shop"') == 4 and 'class="other-shop"' in graph   # camouflage shops greyed
    assert graph.count('class="ring-buyer"') == 12 and "r00000" in graph
    assert "刷单团伙关系图" in graph and "<script" not in page
    for shop_id in planted.RING_SHOPS:
        assert shop_id in page[page.index('id="ring-shops"'):]
    orders = page[page.index('id="ring-orders"'):]
    assert len(re.findall(r"<tr><td>\d{4}-\d\d-\d\d \d\d:\d\d</td><td>T\d{6}</td>", orders)) == 48
    assert "时间跨度" in page and "买家×网店覆盖率" in page
    if finding.evidence.get("method") == "significance":                # how suspicious, as the method says
        assert 'id="ring-significance"' in page and "随机预期" in page
    else:
        assert 'id="ring-density"' in page and "平台基线" in page
    assert 'id="confirm-form"' in page and 'id="dismiss-form"' in page
    assert "经核查认定组织虚构交易（刷单）" in page                            # what confirming writes


def test_confirming_a_ring_through_the_form_writes_its_records_and_shows_them(town):
    finding = ring()
    client = client_of(town, "market")
    response = client.post(f"/console/findings/{finding.pk}/action",
                           {"action": "confirm", "reason": "经约谈平台并调取聊天记录，确认组织刷单"}, follow=True)
    page = text(response)
    finding.refresh_from_db()
    assert finding.status == FindingStatus.CONFIRMED and len(finding.record_ids) == 4
    assert "已确认该线索" in page and "经约谈平台并调取聊天记录" in page
    records = CreditRecord.objects.filter(pk__in=finding.record_ids)
    assert {r.record_type_id for r in records} == {"fake_order"}
    for record in records:
        assert f'id="record-{record.pk}"' in page and f'href="/subjects/{record.subject_id}/"' in page
    assert "/console/admin/archive/creditrecord/" not in page     # no data management rights: no links there
    assert 'id="confirm-form"' not in page and 'id="dismiss-form"' not in page     # decided: no more forms

    # With the right to read records in data management, each record and the subject's records are linked.
    town["users"]["market"].user_permissions.add(Permission.objects.get(codename="view_creditrecord"))
    client = client_of(town, "market")
    page = text(client.get(f"/console/findings/{finding.pk}/"))
    for record in records:
        assert f"/console/admin/archive/creditrecord/{record.pk}/change/" in page
    listing = client.get(f"/console/admin/archive/creditrecord/?subject__id__exact={finding.subject_id}")
    own = records.get(subject_id=finding.subject_id)
    assert listing.status_code == 200 and f"/console/admin/archive/creditrecord/{own.pk}/change/" in text(listing)
    assert client.get(f"/console/admin/archive/creditrecord/{own.pk}/change/").status_code == 200
    again = client.post(f"/console/findings/{finding.pk}/action", {"action": "dismiss", "reason": "改判"},
                        follow=True)
    assert "已核查" in text(again)
    finding.refresh_from_db()
    assert finding.status == FindingStatus.CONFIRMED


@pytest.mark.parametrize("action", ["confirm", "dismiss"])
def test_a_decision_needs_a_reason(town, action):
    finding = ring()
    client = client_of(town, "market")
    page = text(client.post(f"/console/findings/{finding.pk}/action", {"action": action, "reason": "  "},
                            follow=True))
    assert "请填写核查意见" in page
    finding.refresh_from_db()
    assert finding.status == FindingStatus.OPEN and not finding.record_ids
    assert client.post(f"/console/findings/{finding.pk}/action", {"action": "approve", "reason": "x"}
                       ).status_code == 400


def test_dismissing_through_the_form_records_the_reason_and_writes_nothing(town):
    finding = one(FindingKind.BORROWED_NAME)
    records = CreditRecord.objects.count()
    page = text(client_of(town, "market").post(f"/console/findings/{finding.pk}/action",
                                               {"action": "dismiss", "reason": "该网店已取得南通华美服饰有限公司的商标授权"},
                                               follow=True))
    finding.refresh_from_db()
    assert finding.status == FindingStatus.DISMISSED and finding.label == 0
    assert "已排除该线索" in page and "商标授权" in page[page.index('id="decision-reason"'):]
    assert "南通市市场监督管理局" in page[page.index('id="decision"'):]            # the reviewer's organisation
    assert CreditRecord.objects.count() == records


def test_the_forms_need_the_csrf_token(town):
    client = Client(enforce_csrf_checks=True)
    console_login(client, town["users"]["market"])
    assert client.post(f"/console/findings/{ring().pk}/action",
                       {"action": "confirm", "reason": "没有令牌"}).status_code == 403


def test_confirming_a_bad_review_attack_shields_the_reviews(town):
    finding = one(FindingKind.REVIEW_ACCOUNTS, evidence__direction="negative")
    client = client_of(town, "market")
    page = text(client.get(f"/console/findings/{finding.pk}/"))
    assert "集中差评（恶意评价）" in page and "x00000" in page and "很差" in page
    assert "屏蔽这些评价" in page
    page = text(client.post(f"/console/findings/{finding.pk}/action",
                            {"action": "confirm", "reason": "账号均为当日注册，评价内容雷同"}, follow=True))
    n = len(finding.evidence["ratings"])
    assert n >= 12 and ReviewShield.objects.filter(rating_id__in=finding.evidence["ratings"]).count() == n
    assert f"已屏蔽 {n} 条评价" in page and page.count("已屏蔽</span>") == n


def test_the_registry_kinds_show_the_match_and_why(town):
    page = text(client_of(town, "market").get(f"/console/findings/{one(FindingKind.BORROWED_NAME).pk}/"))
    assert "华美服饰官方旗舰店" in page and "南通华美服饰有限公司" in page and "相似度" in page
    why = page[page.index('id="registry-evidence"'):]
    assert "名称相同" in why and "same name" not in why                     # the reason in the officer's words
    assert "南通某某贸易有限公司" in why                                      # the links checked, by name
    licence = one(FindingKind.MISSING_LICENCE)
    page = text(client_of(town, "market").get(f"/console/findings/{licence.pk}/"))
    assert "所需许可" in page and licence.evidence["category_name"] in page
    channel = one(FindingKind.UNLICENSED_CHANNEL, evidence__channel="快付宝")
    assert client_of(town, "market").get(f"/console/findings/{channel.pk}/").status_code == 404
    page = text(client_of(town, "admin").get(f"/console/findings/{channel.pk}/"))
    assert "快付宝" in page and "使用该渠道的网店" in page


def test_the_runs_page_shows_figures_and_lets_the_credit_office_run_and_retrain(town):
    admin = client_of(town, "admin")
    page = text(admin.get("/console/findings/runs/"))
    assert f'id="run-{town["run"].pk}"' in page and "疑似刷单团伙" in page
    assert 'id="run-form"' in page and 'id="retrain-form"' in page and 'id="no-active-model"' in page
    runs = DetectionRun.objects.count()
    page = text(admin.post("/console/findings/runs/run", follow=True))
    assert DetectionRun.objects.count() == runs + 1 and "检测" in page
    page = text(admin.post("/console/findings/runs/retrain", follow=True))
    assert "训练样本不足" in page                                            # a few reviewed findings are too few

    market = client_of(town, "market")
    page = text(market.get("/console/findings/runs/"))
    assert 'id="run-form"' not in page and 'id="retrain-form"' not in page
    assert market.post("/console/findings/runs/run").status_code == 403
    assert market.post("/console/findings/runs/retrain").status_code == 403
    assert DetectionRun.objects.count() == runs + 1


def grow_the_ring(w) -> None:
    """Twelve more buyers order at every shop of the ring in the same two days, as the platform reports them."""
    from ecredit.marketplace import services as marketplace
    from tests.marketplace.conftest import at, gtin

    rows = [{"order_id": f"G{b:02d}{k}", "shop_id": shop, "buyer": f"g{b:05d}", "amount": "59.00",
             "status": "completed", "ordered_at": at(10 - (b + k) % 2, 9 + b % 8),
             "paid_at": at(10 - (b + k) % 2, 9 + b % 8), "shipped_at": at(9 - (b + k) % 2, 9),
             "completed_at": at(8, 9), "payment_channel": "alipay",
             "items": [{"gtin": gtin(900 + k), "category": "clothing", "quantity": 1, "price": "59.00"}]}
            for b in range(12) for k, shop in enumerate(planted.RING_SHOPS)]
    batch = marketplace.submit_orders(rows, w.platform_principal)
    assert not batch.errors, batch.errors[:3]


def test_a_dismissed_ring_that_strikes_again_reopens_with_the_earlier_decision_shown(town):
    from ecredit.findings import flows

    finding = ring()
    officer = f.principal("department_officer", town["users"]["market"].membership.organisation)
    flows.dismiss(finding.pk, officer, reason="团购活动，订单真实")
    grow_the_ring(town["w"])
    services.run_detection(Actor("system:test", "credit_office"), detectors=["order_ring"])
    finding.refresh_from_db()
    assert finding.status == FindingStatus.OPEN
    page = text(client_of(town, "market").get(f"/console/findings/{finding.pk}/"))
    history = page[page.index('id="history"'):page.index('id="ring-evidence"')]
    assert "曾被排除" in history and "团购活动，订单真实" in history and "共发现 2 次" in history
    assert 'id="dismiss-form"' in page


def test_stale_findings_have_their_column_and_filter_and_can_still_be_decided(town):
    import datetime as dt

    from django.utils import timezone

    from ecredit.findings import runner

    licence = one(FindingKind.MISSING_LICENCE)
    Finding.objects.filter(pk=licence.pk).update(last_seen=timezone.now() - dt.timedelta(days=30))
    services.keep(runner.Collected(), Actor("test"), "test", ["missing_licence"], timezone.localdate())
    assert Finding.objects.get(pk=licence.pk).status == FindingStatus.STALE
    client = client_of(town, "market")
    page = text(client.get("/console/findings/"))
    counts = page[page.index('id="finding-counts"'):page.index('id="finding-filter"')]
    assert "未再发现" in counts and f'id="finding-{licence.pk}"' not in page       # not in the default work list
    page = text(client.get("/console/findings/", {"status": "stale"}))
    assert re.findall(r'<tr id="finding-(\d+)" class="finding-row">', page) == [str(licence.pk)]
    page = text(client.get(f"/console/findings/{licence.pk}/"))
    assert "未再发现" in page and "仍可核查" in page and 'name="reason"' in page
    # the check date is the finding's last run's day, not a date kept in the evidence
    why = page[page.index('id="registry-evidence"'):]
    assert licence.last_run.window_end.isoformat() in why


def test_a_channel_without_an_identified_operator_says_why_it_cannot_be_confirmed(town):
    channel = one(FindingKind.UNLICENSED_CHANNEL, evidence__channel="快付宝")
    admin = client_of(town, "admin")
    assert 'id="operator-unidentified"' in text(admin.get(f"/console/findings/{channel.pk}/"))
    page = text(admin.post(f"/console/findings/{channel.pk}/action",
                           {"action": "confirm", "reason": "经核查属实"}, follow=True))
    assert "请先查明经营者" in page
    assert Finding.objects.get(pk=channel.pk).status == FindingStatus.OPEN
    wallet = one(FindingKind.UNLICENSED_CHANNEL, evidence__channel="platform_wallet")
    assert 'id="operator-unidentified"' not in text(admin.get(f"/console/findings/{wallet.pk}/"))
