"""Detection over the planted marketplace: each planted case becomes a finding with the right members and
evidence, a re-run refreshes instead of duplicating, decisions stand unless the evidence grows, and runs are
logged."""

from __future__ import annotations

import pytest

from ecredit.archive.models import CreditRecord
from ecredit.audit.services import Actor, verify
from ecredit.findings import flows, services
from ecredit.findings.models import DetectionRun, Finding, FindingStatus, RunStatus

from . import world as planted

pytestmark = pytest.mark.django_db


def run(w, **kw):
    found = services.run_detection(services.SYSTEM_ACTOR, parcel_tables=planted.parcel_tables(w), **kw)
    assert found.status == RunStatus.FINISHED, found.error
    return found


def of(kind: str, **filters) -> list[Finding]:
    return list(Finding.objects.filter(kind=kind, **filters).order_by("rank", "id"))


def test_the_ring_is_found_with_its_buyers_shops_orders_and_camouflage(w):
    run(w)
    rings = of("order_ring")
    assert len(rings) == 1
    ring = rings[0]
    ev = ring.evidence
    ring_shops = {w.shops[s] for s in planted.RING_SHOPS}
    assert {s["id"] for s in ev["shops"]} == ring_shops and ring.subject_id in ring_shops
    assert sorted(b["id"] for b in ev["buyers"]) == sorted(w.ring_buyers)
    assert ev["order_count"] == 48 and len(ev["orders"]) == 48 and ev["fill"] == 1.0
    assert ev["method"] == "significance" and ev["significance"] >= 10 and ev["lift"] > 10
    assert ev["start"] < ev["end"]
    # camouflage: ring buyers also bought at popular shops outside the ring, shown but not in the ring
    assert ev["other_shops"] and not {s["id"] for s in ev["other_shops"]} & ring_shops
    assert sum(len(v) for v in ev["shop_orders"].values()) == 48
    involved = set(ring.involved.values_list("subject_id", "role"))
    assert involved == {(s, "ring_shop") for s in ring_shops - {ring.subject_id}}
    assert ring.platform_id == w.platform.pk and ring.rank == 1

    graph = services.ring_graph(ring)
    assert {b["id"] for b in graph["buyers"]} == set(w.ring_buyers)
    assert {s["id"] for s in graph["shops"] if s["in_ring"]} == ring_shops
    assert any(not s["in_ring"] for s in graph["shops"])
    ring_edges = [e for e in graph["edges"] if e["shop"] in ring_shops]
    assert len(ring_edges) == 48 and all(e["orders"] == 1 for e in ring_edges)
    assert sum(b["orders"] for b in graph["buyers"]) == sum(e["orders"] for e in graph["edges"])


def test_review_bursts_are_found_in_both_directions(w):
    run(w)
    positive = of("review_accounts", subject_id=w.shops["S20"])
    negative = of("review_accounts", subject_id=w.shops["S05"])
    assert [f.evidence["pattern"] for f in positive] == ["paid_positive"]
    assert [f.evidence["pattern"] for f in negative] == ["malicious_negative"]
    for finding, planted_buyers in ((positive[0], w.burst_buyers), (negative[0], w.attack_buyers)):
        ev = finding.evidence
        buyers = {a["buyer"] for a in ev["accounts"]}
        assert set(planted_buyers) <= buyers and len(buyers - set(planted_buyers)) <= 2
        assert ev["review_count"] == len(ev["ratings"]) >= 12 and ev["share"] >= 0.3
        account = next(a for a in ev["accounts"] if a["buyer"] == planted_buyers[0])
        assert account["signals"]["one_off"] == 1.0 and "mean:burst" in account["strong"]
        assert account["supervised"] is None and ev["model"] is None
    # no other shop is accused
    assert len(of("review_accounts")) == 2


def test_names_licences_and_channels(w):
    run(w)
    [name] = of("borrowed_name")
    assert name.subject_id == w.shops["S36"] and name.evidence["organisation"]["id"] == w.name_owner
    assert name.evidence["similarity"] >= 0.8 and name.evidence["reason"]
    assert set(name.involved.values_list("subject_id", "role")) == {(w.name_owner, "name_owner"),
                                                                     (w.operators["S36"], "operator")}
    licences = {f.subject_id: f.evidence for f in of("missing_licence")}
    assert set(licences) == {w.shops["S11"], w.shops["S12"]}        # S10 holds a valid licence
    assert licences[w.shops["S11"]]["problem"] == "none_held" and licences[w.shops["S11"]]["category"] == "food"
    assert licences[w.shops["S12"]]["problem"] == "expired"
    assert licences[w.shops["S12"]]["licences"][0]["holder"] == w.operators["S12"]
    channels = {f.evidence["channel"]: f for f in of("unlicensed_channel")}
    assert set(channels) == {"快付宝", "platform_wallet"}               # alipay is licensed
    assert channels["快付宝"].evidence["shop_ids"] == [str(w.shops["S13"])]
    wallet = channels["platform_wallet"]
    assert wallet.subject_id == w.platform.pk and wallet.evidence["problem"] == "not_licensed"
    assert wallet.evidence["channel_name"] == "平台自有支付工具" and "platform_wallet" not in wallet.title


def test_empty_parcels_name_their_rules_waybills_and_scans(w):
    run(w)
    [parcel] = of("empty_parcel")
    ev = parcel.evidence
    assert parcel.subject_id == w.shops["S15"]
    assert ev["order_count"] == 5 and {o.partition("/")[2] for o in ev["orders"]} == set(w.parcel_orders[:5])
    assert set(ev["rules"]) == {"created_before_payment", "light_weight", "no_hub_scan"}
    hit = next(h for h in ev["hits"] if h["rule"] == "light_weight")
    assert hit["figures"]["goods_weight"] == 1.2 and hit["figures"]["waybill_weight"] == 0.02
    assert hit["scans"]["kinds"] == ["accepted", "signed"] and hit["waybill"].startswith("YT")


def test_without_logistics_data_parcels_are_skipped(w, monkeypatch):
    from ecredit.findings import exporters

    monkeypatch.setattr(exporters, "parcel_tables", lambda: None)
    found = services.run_detection(services.SYSTEM_ACTOR, detectors=["empty_parcel"])
    assert found.status == RunStatus.FINISHED and "skipped" in found.figures["empty_parcel"]
    assert not Finding.objects.exists()


def test_a_run_is_logged_with_figures_and_a_rerun_refreshes_without_duplicating(w):
    first = run(w)
    kinds = {"order_ring", "review_accounts", "empty_parcel", "borrowed_name", "missing_licence",
             "unlicensed_channel"}
    assert set(first.figures) == kinds and first.log_seq > 0
    assert all("seconds" in f and "window" in f for f in first.figures.values())
    assert first.figures["order_ring"]["new"] == 1 and first.figures["order_ring"]["orders"] > 1000
    count = Finding.objects.count()
    ids = sorted(Finding.objects.values_list("id", flat=True))
    second = run(w)
    assert Finding.objects.count() == count and sorted(Finding.objects.values_list("id", flat=True)) == ids
    assert all(f.times_seen == 2 and f.last_run_id == second.pk and f.first_run_id == first.pk
               for f in Finding.objects.all())
    assert sum(f.get("unchanged", 0) for f in second.figures.values()) == count
    assert sum(f.get("new", 0) for f in second.figures.values()) == 0
    assert verify().ok


def test_dismissed_stays_dismissed_until_the_evidence_grows(w, market_officer):
    run(w)
    ring = of("order_ring")[0]
    flows.dismiss(ring.pk, market_officer, reason="系团购活动，已核实")
    run(w)
    ring.refresh_from_db()
    assert ring.status == FindingStatus.DISMISSED and ring.times_seen == 1
    assert of("order_ring") == [ring]
    # the ring grows: 48 more orders, more than half again what was dismissed
    planted.ring_grows(w)
    third = run(w)
    ring.refresh_from_db()
    assert ring.status == FindingStatus.OPEN and third.figures["order_ring"]["reopened"] == 1
    assert ring.evidence["order_count"] == 96 and len(ring.evidence["new_since_decision"]) == 48
    assert ring.evidence["reopened_from"]["reason"] == "系团购活动，已核实" and ring.label is None
    run(w)     # refreshed while open: what the dismissal left stays with the evidence
    ring.refresh_from_db()
    assert ring.evidence["reopened_from"]["reason"] == "系团购活动，已核实"
    # confirming the reopened finding covers every order, not only the new ones
    flows.confirm(ring.pk, market_officer, reason="再次出现，核实为刷单")
    ring.refresh_from_db()
    assert sorted(r.details["order_count"] for r in CreditRecord.objects.filter(pk__in=ring.record_ids)) == [24] * 4
    assert verify().ok


def test_a_confirmed_finding_found_grown_gets_a_follow_up(w, market_officer):
    run(w)
    ring = of("order_ring")[0]
    flows.confirm(ring.pk, market_officer, reason="核实为刷单")
    run(w)
    assert of("order_ring") == [ring]
    planted.ring_grows(w)
    run(w)
    ring.refresh_from_db()
    follow = Finding.objects.get(follows=ring)
    assert ring.status == FindingStatus.CONFIRMED and follow.status == FindingStatus.OPEN
    assert follow.key == ring.key and follow.fingerprint != ring.fingerprint
    assert len(follow.evidence["new_since_decision"]) == 48
    run(w)
    follow.refresh_from_db()
    assert len(follow.evidence["new_since_decision"]) == 48 and follow.times_seen == 2
    # confirming the follow-up records only the orders the first confirmation did not cover
    flows.confirm(follow.pk, market_officer, reason="继续刷单")
    follow.refresh_from_db()
    first = {o for r in CreditRecord.objects.filter(pk__in=ring.record_ids) for o in r.details["order_ids"]}
    later = CreditRecord.objects.filter(pk__in=follow.record_ids)
    assert len(later) == 4 and all(r.details["order_count"] == 12 for r in later)
    assert not first & {o for r in later for o in r.details["order_ids"]}
    assert verify().ok


def test_a_failing_detector_leaves_a_failed_run_and_nothing_else(w, monkeypatch):
    from ecredit.findings import detectors

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(detectors, "names", broken)
    failed = services.run_detection(Actor("test"), detectors=["order_ring", "borrowed_name"])
    assert failed.status == RunStatus.FAILED and "boom" in failed.error
    assert not Finding.objects.exists() and DetectionRun.objects.count() == 1
    assert verify().ok


def test_the_daily_command_runs_every_detector(w, monkeypatch):
    import io

    from django.core.management import call_command

    from ecredit.findings import exporters

    monkeypatch.setattr(exporters, "parcel_tables", lambda: planted.parcel_tables(w))
    out = io.StringIO()
    call_command("findings-daily", stdout=out)
    assert '"status":"finished"' in out.getvalue()
    assert Finding.objects.filter(kind="empty_parcel").count() == 1
    assert DetectionRun.objects.get().triggered_by == "system:findings"


def test_the_spark_engine_is_used_when_configured(w, settings, monkeypatch):
    """The deployment setting switches ring detection to PySpark; the wiring (order index column, blocks,
    weighting) is checked with a stand-in session whose engine answers with numpy (tests/detection compare the
    real engines, which take minutes on shared machines)."""
    import numpy as np

    from django.utils import timezone

    from ecredit import detection, policy
    from ecredit.detection import spark_rings
    from ecredit.findings import detectors, exporters, runner

    rule = policy.current().findings.on("rings")
    cols = exporters.orders(*runner.window_of(policy.current().findings, "order_ring", timezone.localdate()),
                            rule.statuses)
    peeling = rule.model_copy(update={"method": "peeling"})
    [numpy_ring] = [services.plain(c.evidence) for c in detectors.rings(cols, peeling, "numpy")[0]]
    calls = []

    class Session:
        def createDataFrame(self, rows, schema):
            return rows, schema

    def engine(spark, df, *, blocks, times, bucket, weighting, margin, min_orders, index):
        rows, schema = df
        calls.append((schema, index, blocks, times))
        rows = sorted(rows, key=lambda r: r[2])
        assert [r[2] for r in rows] == list(range(len(rows)))
        return detection.find_rings(np.array([r[0] for r in rows]), np.array([r[1] for r in rows]), None,
                                    blocks=blocks, weighting=weighting, margin=margin, min_orders=min_orders)

    monkeypatch.setattr(detectors, "_spark_session", lambda: Session())
    monkeypatch.setattr(spark_rings, "find_rings_spark", engine)
    settings.FINDINGS_ENGINE = "spark"
    done = run(w, detectors=["order_ring"])
    assert done.engine == "spark" and calls == [("buyer long, shop long, idx long", "idx", 5, False)]
    spark_ring = of("order_ring")[0].evidence
    assert spark_ring.pop("engine") == "spark" and numpy_ring.pop("engine") == "numpy"
    assert spark_ring == numpy_ring and spark_ring["method"] == "peeling"
    assert sorted(b["id"] for b in spark_ring["buyers"]) == sorted(w.ring_buyers)


def test_parcels_through_the_logistics_tables(w):
    """Waybills and scans sent by a courier firm through logistics' own intake; detection reads them with
    logistics' `detection_tables` (the contract) and the marketplace orders they name."""
    from ecredit.logistics import services as logistics
    from tests.logistics.conftest import at, journey, make_carrier, waybill

    from .world import _order, send

    carrier = make_carrier(9, "南通检测快递有限公司")
    rows = [_order(w, "S16", f"z{n:05d}", 5, 9, ship_to_region="310101", goods_weight_kg="1.2") for n in range(6)]
    send(w, rows, [])
    waybills, scans = [], []
    for n, row in enumerate(rows):
        empty = n < 3
        no = f"ZT{n:08d}"
        waybills.append(waybill(no, order_no=row["order_id"], days_ago=5, platform_uscc=w.platform.uscc,
                                weight="0.020" if empty else "1.250", created_at=at(5, 8 if empty else 9.5)))
        scans += journey(no, days_ago=5, hub=not empty)
    assert not logistics.submit_waybills(waybills, carrier.principal).errors
    assert not logistics.submit_scans(scans, carrier.principal).errors

    done = services.run_detection(services.SYSTEM_ACTOR, detectors=["empty_parcel"])
    assert done.status == RunStatus.FINISHED, done.error
    [parcel] = of("empty_parcel")
    ev = parcel.evidence
    assert parcel.subject_id == w.shops["S16"] and ev["order_count"] == 3
    assert {o.partition("/")[2] for o in ev["orders"]} == {r["order_id"] for r in rows[:3]}
    assert {"created_before_payment", "light_weight", "no_hub_scan"} <= set(ev["rules"])
    assert set(parcel.involved.values_list("subject_id", "role")) == {(carrier.subject.pk, "carrier")}
    assert ev["carriers"][0]["name"] == "南通检测快递有限公司"



def test_a_follow_up_records_only_the_ring_shops_with_new_orders_and_their_amount(w, market_officer):
    run(w)
    ring = of("order_ring")[0]
    flows.confirm(ring.pk, market_officer, reason="核实为刷单")
    planted.ring_grows(w, shops=planted.RING_SHOPS[:2])      # 24 new orders, at two of the four shops
    run(w)
    follow = Finding.objects.get(follows=ring)
    new = set(follow.evidence["new_since_decision"])
    with_new = {int(s) for s, nos in follow.evidence["shop_orders"].items() if new & set(nos)}
    assert len(new) == 24 and with_new == {w.shops[s] for s in planted.RING_SHOPS[:2]}
    assert {s["id"] for s in follow.evidence["shops"]} - with_new     # the block still holds an old shop
    flows.confirm(follow.pk, market_officer, reason="继续刷单")
    follow.refresh_from_db()
    later = CreditRecord.objects.filter(pk__in=follow.record_ids)
    # a shop without new orders gets no second record; the others only their 12 new orders, 59 yuan each
    assert sorted(r.subject_id for r in later) == sorted(with_new)
    assert all(r.details["order_count"] == 12 and r.details["amount_wan"] == round(12 * 59 / 10_000, 6)
               for r in later)
    assert verify().ok


def test_a_ring_found_again_with_another_shop_set_is_the_same_ring(w, market_officer):
    run(w)
    ring = of("order_ring")[0]
    flows.dismiss(ring.pk, market_officer, reason="系团购活动，已核实")
    # the ring's buyers also buy at a fifth shop: the block gains a shop, a new key, but the same matter
    orders = [planted._order(w, "S34", buyer, 10, 9 + b % 8) for b, buyer in enumerate(w.ring_buyers)]
    planted.send(w, orders, [])
    again = run(w)
    assert of("order_ring") == [ring]
    ring.refresh_from_db()
    assert ring.status == FindingStatus.DISMISSED and again.figures["order_ring"]["unchanged"] == 1
    # grown past the reopening rule (48 more orders at two shops), it reopens under its first key
    planted.ring_grows(w, shops=planted.RING_SHOPS[:2])
    planted.ring_grows(w, shops=planted.RING_SHOPS[:2], prefix="v")
    run(w)
    ring.refresh_from_db()
    assert of("order_ring") == [ring] and ring.status == FindingStatus.OPEN
    assert len(ring.evidence["new_since_decision"]) >= 24
    assert verify().ok


def test_two_candidates_for_the_same_matter_in_one_run_keep_the_most_suspicious(w):
    from django.utils import timezone

    from ecredit.findings import detectors, runner

    shop = w.shops["S01"]
    found = [detectors.Candidate("review_accounts", ["shop", shop, "positive"], shop, w.platform.pk, title, score,
                                 {"direction": "positive", "ratings": ratings, "accounts": []})
             for title, score, ratings in (("较弱", 0.5, [1, 2]), ("较强", 0.9, [1, 2, 3]))]
    today = timezone.localdate()
    services.keep(runner.Collected(candidates=found, windows={"review_accounts": (today, today)}),
                  Actor("test"), "test", ["review_accounts"], today)
    [finding] = of("review_accounts")
    assert finding.title == "较强" and finding.evidence["ratings"] == [1, 2, 3] and finding.times_seen == 1
    assert verify().ok


def _logged(finding: Finding) -> list[str]:
    from ecredit.audit.models import ChangeLogEntry

    return list(ChangeLogEntry.objects.filter(model=services.FINDING_MODEL, object_id=finding.pk)
                .order_by("seq").values_list("action", flat=True))


def test_a_licence_or_channel_finding_found_unchanged_the_next_day_writes_nothing(w):
    import datetime as dt

    from django.utils import timezone

    today = timezone.localdate()
    run(w, detectors=["missing_licence", "unlicensed_channel"], window_end=today)
    kept = of("missing_licence") + of("unlicensed_channel")
    assert len(kept) >= 4
    before = {f.pk: _logged(f) for f in kept}
    tomorrow = run(w, detectors=["missing_licence", "unlicensed_channel"], window_end=today + dt.timedelta(days=1))
    assert {f.pk: _logged(f) for f in kept} == before
    assert all(tomorrow.figures[k].get("refreshed", 0) == 0 for k in ("missing_licence", "unlicensed_channel"))
    assert all("on" not in f.evidence and f.times_seen == 2 for f in of("missing_licence") + of("unlicensed_channel"))


def test_a_finding_not_found_again_goes_stale_and_comes_back_when_found(w):
    import datetime as dt

    from django.utils import timezone

    from ecredit.findings import runner

    first = run(w, detectors=["unlicensed_channel", "missing_licence"])
    gone = of("unlicensed_channel", evidence__channel="快付宝")[0]
    licence = of("missing_licence")[0]
    # Nothing finds the channel any more (the platform stopped sending it): last seen 15 days ago.
    weeks_ago = timezone.now() - dt.timedelta(days=15)
    Finding.objects.filter(pk__in=[gone.pk, licence.pk]).update(last_seen=weeks_ago)
    ran = run(w, detectors=["order_ring"], window_end=timezone.localdate())
    assert Finding.objects.get(pk=gone.pk).status == FindingStatus.OPEN      # its detector did not run
    collected = runner.collect(["unlicensed_channel"], timezone.localdate())
    collected.candidates = [c for c in collected.candidates if c.evidence["channel"] != "快付宝"]
    later = services.keep(collected, Actor("test"), "test", ["unlicensed_channel"], timezone.localdate())
    gone.refresh_from_db()
    assert gone.status == FindingStatus.STALE and gone.get_status_display() == "未再发现"
    assert later.figures["unlicensed_channel"]["stale"] == 1 and _logged(gone)[-1] == "stale"
    assert Finding.objects.get(pk=licence.pk).status == FindingStatus.OPEN   # its detector did not run either
    office = _office()
    assert gone.pk not in set(services.findings(office, status="open").values_list("pk", flat=True))
    assert list(services.findings(office, status="stale")) == [gone]
    # found again: open again, logged
    again = run(w, detectors=["unlicensed_channel"])
    gone.refresh_from_db()
    assert gone.status == FindingStatus.OPEN and _logged(gone)[-1] == "reopen"
    assert again.figures["unlicensed_channel"]["revived"] == 1
    assert first.pk < ran.pk < later.pk < again.pk and verify().ok


def test_a_stale_finding_can_still_be_decided(w, pbc_officer):
    import datetime as dt

    from django.utils import timezone

    from ecredit.findings import runner

    run(w, detectors=["unlicensed_channel"])
    wallet = of("unlicensed_channel", evidence__channel="platform_wallet")[0]
    Finding.objects.filter(kind="unlicensed_channel").update(last_seen=timezone.now() - dt.timedelta(days=20))
    services.keep(runner.Collected(), Actor("test"), "test", ["unlicensed_channel"], timezone.localdate())
    assert Finding.objects.get(pk=wallet.pk).status == FindingStatus.STALE
    flows.confirm(wallet.pk, pbc_officer, reason="平台未取得支付业务许可")
    wallet.refresh_from_db()
    assert wallet.status == FindingStatus.CONFIRMED and len(wallet.record_ids) == 1
    assert verify().ok


def _office():
    from tests import factories as f

    return f.principal("credit_office_admin", f.organisation("credit_office", "credit_office_t", name="市信用办"))


def test_orders_are_indexed_by_time_alone_for_the_detectors_windows():
    """The detectors read every platform's orders of a window (exporters.orders): an index led by the shop does
    not serve that; one on ordered_at alone does."""
    from django.db import connection

    from ecredit.marketplace.models import Order

    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Order._meta.db_table)
    assert any(c["index"] and c["columns"] == ["ordered_at"] for c in constraints.values())
