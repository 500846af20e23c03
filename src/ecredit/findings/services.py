"""Findings: running the detectors and keeping what they find, reading findings as an officer may, the states
the change log keeps, and the ring graph.

A run reads (runner.collect: no transaction, no write), then writes in one transaction under the change log's
lock: the DetectionRun, every finding new, refreshed, reopened or followed up, their involved subjects and
ranks, each change logged. A run that fails is kept as a failed run (logged) and writes nothing else.

How a candidate meets the findings already kept (by key: the kind and the members that identify the matter):
- none yet: a new open finding;
- the latest is open: refreshed (evidence, score, involved subjects; logged when any of them changed);
- dismissed: left alone, unless the evidence grew past findings.yaml `reopening` (new items not in the evidence
  the officer dismissed): then it reopens with the new evidence, the dismissal kept in `evidence.reopened_from`;
- confirmed: left alone, unless grown likewise: then a follow-up finding (`follows`) holds the new evidence and
  `evidence.new_since_decision` the items the confirmation did not cover.
- stale (no run found it for findings.yaml `staleness.after`; `_mark_stale` after every run, for the detectors
  run): open again, refreshed, logged as a reopening.
A ring's key is its platform and shops, and a ring found again may have gained or lost a shop: it is the same
matter as a kept ring of its platform when they share findings.yaml `reopening.same_ring_share` of the smaller
one's orders, and is met as that ring (so a decision is not sidestepped by a shop joining or dropping out). One
finding per key and run: of candidates meeting the same key, the most suspicious is kept (counted `merged`).
"""

from __future__ import annotations

import datetime as dt
import logging
import traceback
from collections import defaultdict
from typing import Any, Iterable, Iterator

import orjson
from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ecredit import policy
from ecredit.access.principal import Principal
from ecredit.audit.services import Actor, ChainWriter, state_text
from ecredit.kit.canonical import canonical_json
from ecredit.kit.crypto import sm3_hex
from ecredit.kit.errors import NotFound, ValidationFailed

from . import exporters, runner
from .detectors import ITEMS, Candidate
from .models import DetectionRun, Finding, FindingKind, FindingStatus, FindingSubject, ReviewModel, RunStatus

RUN_MODEL = "findings.detectionrun"
FINDING_MODEL = "findings.finding"
MODEL_MODEL = "findings.reviewmodel"
SYSTEM_ACTOR = Actor("system:findings", "credit_office")
RUN_FIELDS = ("started_at", "finished_at", "window_start", "window_end", "detectors", "engine", "status",
              "figures", "error", "triggered_by", "policy_version")
FINDING_FIELDS = ("kind", "status", "subject_id", "platform_id", "title", "score", "fingerprint", "key",
                  "follows_id", "first_run_id", "first_seen", "reviewed_by", "reviewer_org", "reviewed_at",
                  "reason", "label", "record_ids", "policy_version")
logger = logging.getLogger(__name__)
MODEL_FIELDS = ("trained_at", "trained_by", "positives", "negatives", "features", "params", "cv_auc", "active",
                "policy_version")


# ---------------------------------------------------------------------------------------------- states


def _value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def plain(evidence: Any) -> Any:
    """Evidence as the database gives it back (JSON round trip): what is stored is what is hashed."""
    return orjson.loads(canonical_json(evidence))


def digest(evidence: Any) -> str:
    """SM3 of the evidence's canonical JSON."""
    return sm3_hex(canonical_json(evidence))


def run_state(run: DetectionRun) -> str:
    """Canonical state of a run as the change log keeps it."""
    return state_text({name: _value(getattr(run, name)) for name in RUN_FIELDS})


def finding_state(finding: Finding, involved: Iterable[tuple[int, str]]) -> str:
    """Canonical state of a finding: its fields, its evidence's digest and its involved subjects. Where and
    when it was last seen and its rank are not in it: a run that finds it unchanged writes no log entry."""
    values = {name: _value(getattr(finding, name)) for name in FINDING_FIELDS}
    values["evidence"] = digest(finding.evidence)
    values["involved"] = sorted([int(s), str(r)] for s, r in involved)
    return state_text(values)


def model_state(model: ReviewModel) -> str:
    """Canonical state of a review model (its booster by digest)."""
    values = {name: _value(getattr(model, name)) for name in MODEL_FIELDS}
    values["booster"] = sm3_hex(model.booster.encode("utf-8"))
    return state_text(values)


def _involved_map(ids: list[int] | None = None) -> dict[int, list[tuple[int, str]]]:
    qs = FindingSubject.objects.order_by("finding_id", "id")
    if ids is not None:
        qs = qs.filter(finding_id__in=ids)
    out: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for fid, sid, role in qs.values_list("finding_id", "subject_id", "role"):
        out[fid].append((sid, role))
    return out


def iter_run_states() -> Iterator[tuple[int, str]]:
    """(id, state) of every run, for `ecredit verify-log`."""
    for run in DetectionRun.objects.order_by("id").iterator(chunk_size=2000):
        yield run.pk, run_state(run)


def iter_finding_states() -> Iterator[tuple[int, str]]:
    """(id, state) of every finding, for `ecredit verify-log`."""
    involved = _involved_map()
    for finding in Finding.objects.order_by("id").iterator(chunk_size=2000):
        yield finding.pk, finding_state(finding, involved.get(finding.pk, []))


def iter_model_states() -> Iterator[tuple[int, str]]:
    """(id, state) of every review model, for `ecredit verify-log`."""
    for model in ReviewModel.objects.order_by("id").iterator(chunk_size=200):
        yield model.pk, model_state(model)


def log_finding(finding: Finding, log: ChainWriter, actor: Actor, action: str, reason: str = "",
                involved: Iterable[tuple[int, str]] | None = None) -> None:
    """Save the finding and append its state to the change log."""
    if involved is None:
        involved = list(finding.involved.values_list("subject_id", "role"))
    finding.log_seq = log.append(actor, action, FINDING_MODEL, finding.pk, finding_state(finding, involved),
                                 reason[:2000])
    finding.save()


# ----------------------------------------------------------------------------------------------- runs


def _actor(actor_or_principal) -> tuple[Actor, str]:
    if isinstance(actor_or_principal, Principal):
        return actor_or_principal.actor, actor_or_principal.label
    if isinstance(actor_or_principal, Actor):
        return actor_or_principal, actor_or_principal.label
    return SYSTEM_ACTOR, SYSTEM_ACTOR.label


def run_detection(actor_or_principal, *, detectors: Iterable[str] | None = None, window_end: dt.date | None = None,
                  parcel_tables: exporters.ParcelTables | None = None) -> DetectionRun:
    """Run the detectors (default: all) over the data windows ending on `window_end` (default today) and keep
    what they find. A principal needs `finding.run`; the scheduled task passes an Actor."""
    if isinstance(actor_or_principal, Principal):
        actor_or_principal.require("finding.run")
    actor, label = _actor(actor_or_principal)
    chosen = list(runner.DETECTORS if detectors is None else detectors)
    unknown = [d for d in chosen if d not in runner.DETECTORS]
    if unknown or not chosen:
        raise ValidationFailed(_("检测项应为：{values}").format(values="、".join(runner.DETECTORS)),
                               field="detectors", code="unknown_detector")
    day = window_end or timezone.localdate()
    started = timezone.now()
    current = policy.current()
    try:
        # Titles and evidence texts are stored data: in the deployment's language, whoever asked for the run.
        with translation.override(settings.LANGUAGE_CODE):
            collected = runner.collect(chosen, day, parcel_tables=parcel_tables)
            return keep(collected, actor, label, chosen, day, started)
    except Exception as exc:  # a failed run is kept, with what went wrong, and writes nothing else
        logger.exception("detection run failed")
        return _failed(chosen, day, started, label, actor, current, exc)


def keep(collected: runner.Collected, actor: Actor, label: str, detectors: list[str], day: dt.date,
         started: dt.datetime | None = None) -> DetectionRun:
    """Write a run and what it found (one transaction, logged); `run_detection` calls it after the detectors."""
    current = policy.current()
    started = started or timezone.now()
    with transaction.atomic(), ChainWriter() as log:
        run = DetectionRun.objects.create(
            started_at=started, window_start=min((w[0] for w in collected.windows.values()), default=day),
            window_end=day, detectors=list(detectors), engine=collected.engine, triggered_by=label[:120],
            policy_version=current.version)
        counts = _keep(collected.candidates, run, log, actor, current)
        ran = [k for k in detectors if not collected.figures.get(k, {}).get("skipped")]
        for kind, n in _mark_stale(run, log, actor, current, ran).items():
            counts.setdefault(kind, {})["stale"] = n
        figures = {kind: {**f, **counts.get(kind, {})} for kind, f in collected.figures.items()}
        run.figures, run.status, run.finished_at = figures, RunStatus.FINISHED, timezone.now()
        run.log_seq = log.append(actor, "run", RUN_MODEL, run.pk, run_state(run),
                                 _("检测完成：新增线索{n}条").format(n=sum(c.get("new", 0) for c in counts.values())))
        run.save()
    return run


def _failed(chosen, day, started, label, actor, current, exc: Exception) -> DetectionRun:
    with transaction.atomic(), ChainWriter() as log:
        run = DetectionRun.objects.create(
            started_at=started, finished_at=timezone.now(), window_start=day, window_end=day, detectors=chosen,
            triggered_by=label[:120], policy_version=current.version, status=RunStatus.FAILED,
            error="".join(traceback.format_exception_only(type(exc), exc)).strip()[:4000])
        run.log_seq = log.append(actor, "run", RUN_MODEL, run.pk, run_state(run), _("检测失败"))
        run.save()
    return run


def key_of(kind: str, members: list) -> str:
    """The key of a matter: SM3 of the kind and its identifying members."""
    return sm3_hex(canonical_json([kind, members]))


def _items(kind: str, evidence: dict) -> set[str]:
    name = ITEMS.get(kind)
    return set() if name is None else {str(i) for i in evidence.get(name, [])}


def grown(kind: str, decided: dict, found: dict, rule) -> list[str]:
    """The items of `found` that the decided evidence did not hold, when they are material (findings.yaml
    reopening), else []."""
    before = _items(kind, decided)
    new = sorted(_items(kind, found) - before)
    if len(new) >= rule.min_new and len(new) >= rule.min_new_share * len(before):
        return new
    return []


def _keep(candidates: list[Candidate], run: DetectionRun, log: ChainWriter, actor: Actor,
          current) -> dict[str, dict[str, int]]:
    """Meet every candidate with the findings kept (see the module notes); rank each kind's findings of this
    run by score. Returns per kind the counts new / refreshed / reopened / follow_ups / unchanged."""
    rule = current.findings.on("reopening", run.window_end)
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    keys = _matched_keys(candidates, {id(c): key_of(c.kind, c.members) for c in candidates},
                         exporters.bounds(run.window_start, run.window_start)[0], rule.same_ring_share)
    kept: dict[str, Candidate] = {}
    for cand in sorted(candidates, key=lambda c: -c.score):       # stable: ties keep the detectors' order
        if keys[id(cand)] in kept:
            counts[cand.kind]["merged"] += 1
        else:
            kept[keys[id(cand)]] = cand
    candidates = [c for c in candidates if kept.get(keys[id(c)]) is c]
    latest: dict[str, Finding] = {}
    numbers: dict[str, int] = defaultdict(int)
    all_keys = sorted(set(keys.values()))
    for start in range(0, len(all_keys), 900):
        chunk = all_keys[start:start + 900]
        for f in Finding.objects.select_related("follows").filter(key__in=chunk).order_by("id"):
            latest[f.key] = f
            numbers[f.key] += 1
    now = run.started_at
    seen: list[tuple[Finding, Candidate]] = []
    for cand in candidates:
        key = keys[id(cand)]
        evidence = plain(cand.evidence)
        involved = sorted({(int(s), r) for s, r in cand.involved if s and s != cand.subject_id})
        known = latest.get(key)
        if known is None or (known.status == FindingStatus.CONFIRMED and grown(cand.kind, known.evidence,
                                                                                 evidence, rule)):
            if known is not None:
                evidence["new_since_decision"] = grown(cand.kind, known.evidence, evidence, rule)
            finding = Finding(kind=cand.kind, key=key, fingerprint=sm3_hex(f"{key}:{numbers[key]}".encode()),
                              follows=known, subject_id=cand.subject_id, platform_id=cand.platform_id,
                              title=cand.title[:300], score=cand.score, evidence=evidence, first_run=run,
                              last_run=run, first_seen=now, last_seen=now, policy_version=current.version)
            finding.save()
            _set_involved(finding, involved)
            log_finding(finding, log, actor, "follow_up" if known else "create", cand.title, involved)
            counts[cand.kind]["follow_ups" if known else "new"] += 1
            latest[key] = finding
            numbers[key] += 1
            seen.append((finding, cand))
            continue
        if known.status == FindingStatus.DISMISSED:
            new = grown(cand.kind, known.evidence, evidence, rule)
            if not new:
                counts[cand.kind]["unchanged"] += 1
                continue
            evidence["reopened_from"] = {"reviewed_by": known.reviewed_by, "reviewer_org": known.reviewer_org,
                                         "reviewed_at": _value(known.reviewed_at), "reason": known.reason}
            evidence["new_since_decision"] = new
            known.status, known.label = FindingStatus.OPEN, None
            known.reviewed_by = known.reviewer_org = known.reason = ""
            known.reviewed_at = None
            _refresh(known, cand, evidence, involved, run, now, current)
            log_finding(known, log, actor, "reopen", _("证据明显增加，重新提示"), involved)
            counts[cand.kind]["reopened"] += 1
            seen.append((known, cand))
            continue
        if known.status == FindingStatus.CONFIRMED:
            counts[cand.kind]["unchanged"] += 1
            continue
        revived = known.status == FindingStatus.STALE      # found again: back on the officers' list
        if revived:
            known.status = FindingStatus.OPEN
        # What a decision left on the evidence stays with it while the finding is open.
        if "reopened_from" in known.evidence:
            evidence["reopened_from"] = known.evidence["reopened_from"]
            evidence["new_since_decision"] = known.evidence.get("new_since_decision", [])
        if known.follows_id:
            evidence["new_since_decision"] = sorted(_items(cand.kind, evidence)
                                                    - _items(cand.kind, known.follows.evidence))
        before = (digest(known.evidence), known.score, known.subject_id, known.title,
                  sorted(known.involved.values_list("subject_id", "role")))
        _refresh(known, cand, evidence, involved, run, now, current)
        after = (digest(known.evidence), known.score, known.subject_id, known.title, [list(i) for i in involved])
        if revived:
            log_finding(known, log, actor, "reopen", _("再次发现，恢复待核查"), involved)
            counts[cand.kind]["revived"] += 1
        elif before[:4] != after[:4] or [list(i) for i in before[4]] != after[4]:
            log_finding(known, log, actor, "refresh", "", involved)
            counts[cand.kind]["refreshed"] += 1
        else:
            known.save(update_fields=["last_run", "last_seen", "times_seen"])
            counts[cand.kind]["unchanged"] += 1
        seen.append((known, cand))
    _rank(seen)
    return {k: dict(v) for k, v in counts.items()}


def _mark_stale(run: DetectionRun, log: ChainWriter, actor: Actor, current, kinds: list[str]) -> dict[str, int]:
    """Open findings of the detectors run that no run has found since findings.yaml `staleness.after` before the
    run's day become stale (logged); returns how many per kind."""
    rule = current.findings.on("staleness", run.window_end)
    since = exporters.bounds(rule.after.before(run.window_end), run.window_end)[0]
    counts: dict[str, int] = defaultdict(int)
    stale = Finding.objects.filter(kind__in=kinds, status=FindingStatus.OPEN, last_seen__lt=since).order_by("id")
    for finding in stale:
        finding.status = FindingStatus.STALE
        log_finding(finding, log, actor, "stale",
                    _("自{day}起未再发现").format(day=timezone.localtime(finding.last_seen).date().isoformat()))
        counts[finding.kind] += 1
    return dict(counts)


OVERLAPPING = ("order_ring",)       # kinds whose members may shift while the matter stays the same


def _matched_keys(candidates: list[Candidate], keys: dict[int, str], since: dt.datetime,
                  share: float) -> dict[int, str]:
    """The key each candidate is kept under: its own, or for a ring whose own key is not kept yet, the key of the
    kept ring of its platform (last seen since `since`: older rings' orders are outside the window) that shares
    at least `share` of the smaller one's orders, the largest share first. The most suspicious candidate claims
    first; a key is claimed once."""
    rings = [c for c in candidates if c.kind in OVERLAPPING]
    if not rings:
        return keys
    latest: dict[str, Finding] = {}
    for f in (Finding.objects.filter(kind__in=OVERLAPPING, platform_id__in={c.platform_id for c in rings},
                                     last_seen__gte=since).order_by("id").only("key", "kind", "platform_id",
                                                                               "evidence")):
        latest[f.key] = f
    held = {key: (f.kind, f.platform_id, _items(f.kind, f.evidence)) for key, f in latest.items()}
    out, claimed = dict(keys), set()
    for cand in sorted(rings, key=lambda c: -c.score):
        own = keys[id(cand)]
        if own in held and own not in claimed:
            claimed.add(own)
            continue
        items = _items(cand.kind, cand.evidence)
        overlaps = [(len(items & theirs) / max(min(len(items), len(theirs)), 1), key)
                    for key, (kind, platform, theirs) in held.items()
                    if kind == cand.kind and platform == cand.platform_id and key not in claimed]
        best, key = max(overlaps, default=(0.0, None))
        if key is not None and best >= share:
            out[id(cand)] = key
            claimed.add(key)
        else:
            claimed.add(own)
    return out


def _refresh(finding: Finding, cand: Candidate, evidence: dict, involved, run, now, current) -> None:
    if finding.involved.exists() or involved:
        _set_involved(finding, involved)
    finding.subject_id, finding.platform_id = cand.subject_id, cand.platform_id
    finding.title, finding.score, finding.evidence = cand.title[:300], cand.score, evidence
    finding.last_run, finding.last_seen, finding.times_seen = run, now, finding.times_seen + 1
    finding.policy_version = current.version


def _set_involved(finding: Finding, involved: list[tuple[int, str]]) -> None:
    FindingSubject.objects.filter(finding=finding).delete()
    FindingSubject.objects.bulk_create([FindingSubject(finding=finding, subject_id=s, role=r) for s, r in involved])


def _rank(seen: list[tuple[Finding, Candidate]]) -> None:
    """Rank the run's findings of each kind by score (1 = most suspicious; ties by key)."""
    by_kind: dict[str, list[Finding]] = defaultdict(list)
    for finding, _cand in seen:
        by_kind[finding.kind].append(finding)
    changed = []
    for items in by_kind.values():
        for rank, finding in enumerate(sorted(items, key=lambda f: (-f.score, f.key)), start=1):
            if finding.rank != rank:
                finding.rank = rank
                changed.append(finding)
    Finding.objects.bulk_update(changed, ["rank"], batch_size=500)


# --------------------------------------------------------------------------------------------- reading


def findings(principal, *, kind: str | None = None, status: str | None = None, subject_id: int | None = None,
             platform_id: int | None = None) -> QuerySet:
    """The findings the principal may see, filtered (subject: as main subject or involved)."""
    principal.require("finding.view")
    qs = Finding.objects.visible_to(principal)
    if kind:
        if kind not in FindingKind.values:
            raise ValidationFailed(_("线索类型应为：{values}").format(values="、".join(FindingKind.values)),
                                   field="kind", code="bad_kind")
        qs = qs.filter(kind=kind)
    if status:
        if status not in FindingStatus.values:
            raise ValidationFailed(_("状态应为：{values}").format(values="、".join(FindingStatus.values)),
                                   field="status", code="bad_status")
        qs = qs.filter(status=status)
    if subject_id:
        involved = FindingSubject.objects.filter(subject_id=subject_id).values("finding_id")
        qs = qs.filter(pk__in=Finding.objects.filter(subject_id=subject_id).values("pk")) | \
            qs.filter(pk__in=involved)
    if platform_id:
        qs = qs.filter(platform_id=platform_id)
    return qs.select_related("subject", "platform").order_by("status", "kind", "rank", "-last_seen", "id")


def finding_for(finding_id: int, principal) -> Finding:
    """One finding the principal may see (NotFound otherwise: a finding is a suspicion, not public)."""
    principal.require("finding.view")
    finding = Finding.objects.visible_to(principal).select_related("subject", "platform").filter(pk=finding_id).first()
    if finding is None:
        raise NotFound(_("未找到该线索"))
    return finding


def runs(principal) -> QuerySet:
    """Detection runs (whoever sees findings sees the runs that produced them)."""
    principal.require("finding.view")
    return DetectionRun.objects.order_by("-started_at", "-id")


def active_model() -> ReviewModel | None:
    """The review model that scores accounts now, if any."""
    return ReviewModel.objects.filter(active=True).order_by("-trained_at", "-id").first()


# ---------------------------------------------------------------------------------------------- graphs


def ring_graph(finding: Finding) -> dict:
    """A ring's buyers, shops (in the ring or where its buyers also ordered: camouflage) and buyer-shop edges
    with their order counts, for drawing: {"buyers": [{id, orders}], "shops": [{id, name, in_ring}],
    "edges": [{buyer, shop, orders}]}."""
    if finding.kind != FindingKind.ORDER_RING:
        raise ValidationFailed(_("只有刷单团伙线索有关系图"), code="not_a_ring")
    ev = finding.evidence
    orders: dict[str, int] = defaultdict(int)
    for edge in ev.get("edges", []):
        orders[str(edge["buyer"])] += int(edge["orders"])
    shops = [{"id": s["id"], "name": s.get("name", ""), "in_ring": True} for s in ev.get("shops", [])]
    shops += [{"id": s["id"], "name": s.get("name", ""), "in_ring": False} for s in ev.get("other_shops", [])]
    return {"buyers": [{"id": str(b["id"]), "orders": orders.get(str(b["id"]), int(b.get("orders", 0)))}
                       for b in ev.get("buyers", [])],
            "shops": shops,
            "edges": [{"buyer": str(e["buyer"]), "shop": int(e["shop"]), "orders": int(e["orders"])}
                      for e in ev.get("edges", [])]}
