"""The traffic of `make load` (started by bench/load/run.py; not meant to be run against anything but loopback).

Four kinds of user, chosen by class name on locust's command line:

- `Baseline`: GET /healthz only, the server's smallest answer (the run's baseline, same users and pace);
- `Visitor`: the public portal: home, search by name (Chinese names of the demo city) and by code (USCC or shop
  id, which redirect to the profile), subject profiles, the public credit report (PDF), the lists and notices;
- `ApiReader`: the public API's search and profile;
- `BatchSender`: a department's system (the demo's `market_regulation` token) pushing batches of 10-50
  administrative penalties with ids unique to the run, about known organisations and new ones; some batches are
  sent again with the same `batch_id` (the first answer must come back, `replayed`), some with the same records
  under a new `batch_id` (every record must come back `unchanged`).

Every answer is checked (status, type, content), so a wrong answer is a failure, not only a 5xx. Each request's time
and status are kept by kind, and at the end written as JSON to $LOAD_RESULTS for run.py, which computes the
percentiles itself (exact, not locust's rounded buckets). The demo's ids, names and codes come from $LOAD_FIXTURE
(JSON written by run.py).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import random
import time
from collections import Counter, defaultdict

import orjson
from locust import HttpUser, between, events, task

from ecredit.kit.identifiers import uscc_with_check_digit

FIXTURE = json.loads(open(os.environ["LOAD_FIXTURE"], encoding="utf-8").read())
RUN = FIXTURE["run"]                    # makes record and batch ids unique to this run
ORGANISATIONS = FIXTURE["organisations"]  # [id, name, uscc] of public organisations
SHOPS = FIXTURE["shops"]                  # [id, name, shop_id] of public shops
SUBJECT_IDS = [o[0] for o in ORGANISATIONS] + [s[0] for s in SHOPS]
NOTICE_KINDS = FIXTURE["notice_kinds"]
LIST_TYPES = FIXTURE["list_types"]
TOKEN = FIXTURE["token"]

# Pace of every user (the baseline's too, so it meets the same concurrency): a think time, not a benchmark loop.
PACE = between(0.2, 1.0)
BATCH_PACE = between(1.0, 3.0)
BATCH_SIZES = (10, 50)
KEEP_SENT = 20          # batches a sender remembers for re-sending

_numbers = itertools.count(1)
_times: dict[str, list[float]] = defaultdict(list)
_statuses: dict[str, Counter] = defaultdict(Counter)
_failures: Counter = Counter()
_batch = Counter()
_span = {"first": None, "last": None}


class _Closing(HttpUser):
    """Every request on a new connection, as nginx sends them to gunicorn (deploy/nginx: no upstream keep-alive).
    Kept-alive connections straight to gunicorn would race its 2 s keep-alive timer and fail with a reset that
    production never sees."""

    abstract = True

    def on_start(self):
        self.client.headers["Connection"] = "close"
        self.rng = random.Random()


@events.request.add_listener
def _keep(request_type, name, response_time, response_length, response=None, exception=None, **kwargs):
    now = time.time()
    _span["first"] = _span["first"] or now - response_time / 1000
    _span["last"] = now
    _times[name].append(response_time)
    status = getattr(response, "status_code", None) or 0
    _statuses[name][str(status)] += 1
    if exception is not None:
        _failures[f"{name}: {str(exception)[:200]}"] += 1


@events.quitting.add_listener
def _write(environment, **kwargs):
    out = os.environ.get("LOAD_RESULTS")
    if not out:
        return
    with open(out, "w", encoding="utf-8") as f:
        json.dump({"times_ms": _times, "statuses": _statuses, "failures": dict(_failures.most_common(30)),
                   "failure_count": sum(_failures.values()), "batch": dict(_batch),
                   "first": _span["first"], "last": _span["last"]}, f, ensure_ascii=False)


def _name_query(rng: random.Random) -> str:
    """What a person types: a whole name, its first characters, or two characters from its middle."""
    name = rng.choice(rng.choice((ORGANISATIONS, SHOPS)))[1]
    how = rng.random()
    if how < 0.4 or len(name) < 5:
        return name
    if how < 0.7:
        return name[:4]
    start = rng.randrange(1, len(name) - 2)
    return name[start:start + 2]


def _answer(response) -> dict | None:
    """A batch answer's JSON, or None with the request marked failed (no answer, not 200, not JSON)."""
    if response.status_code != 200:
        response.failure(f"HTTP {response.status_code}: {(response.text or repr(response.error))[:200]}")
        return None
    try:
        return response.json()
    except ValueError:
        response.failure(f"not JSON: {response.text[:200]}")
        return None


def _expect(response, status: int, content_type: str | None = None, contains: bytes | None = None) -> None:
    if not response.status_code:    # no answer at all: say why (refused, reset, timed out)
        response.failure(f"no answer: {response.error!r}"[:300])
    elif response.status_code != status:
        response.failure(f"HTTP {response.status_code}, expected {status}")
    elif content_type and content_type not in (response.headers.get("Content-Type") or ""):
        response.failure(f"Content-Type {response.headers.get('Content-Type')!r}, expected {content_type}")
    elif contains is not None and contains not in response.content:
        response.failure(f"{contains[:40]!r} missing from the answer")
    else:
        response.success()


class Baseline(_Closing):
    """GET /healthz at the pace of the others."""

    wait_time = PACE

    @task
    def healthz(self):
        with self.client.get("/healthz", name="healthz", catch_response=True) as r:
            _expect(r, 200, "json")


class Visitor(_Closing):
    """A member of the public on the portal."""

    wait_time = PACE
    weight = 6

    @task(3)
    def home(self):
        with self.client.get("/", name="home", catch_response=True) as r:
            _expect(r, 200, "text/html")

    @task(6)
    def search_name(self):
        with self.client.get("/search", params={"q": _name_query(self.rng)}, name="search name",
                             catch_response=True) as r:
            _expect(r, 200, "text/html")

    @task(2)
    def search_code(self):
        if self.rng.random() < 0.6:
            subject_id, _, code = self.rng.choice(ORGANISATIONS)
        else:
            subject_id, _, code = self.rng.choice(SHOPS)
        with self.client.get("/search", params={"q": code}, name="search code", allow_redirects=False,
                             catch_response=True) as r:
            # A code names one subject: the answer is its profile (a shop id shared across platforms lists them).
            if r.status_code == 302 and r.headers.get("Location", "").endswith(f"/subjects/{subject_id}/"):
                r.success()
            else:
                _expect(r, 200, "text/html", f"/subjects/{subject_id}/".encode())

    @task(8)
    def profile(self):
        subject_id = self.rng.choice(SUBJECT_IDS)
        with self.client.get(f"/subjects/{subject_id}/", name="profile", catch_response=True) as r:
            _expect(r, 200, "text/html")

    @task(1)
    def report(self):
        subject_id = self.rng.choice(SUBJECT_IDS)
        with self.client.get(f"/subjects/{subject_id}/report.pdf", name="report pdf", catch_response=True) as r:
            if r.status_code == 200 and not r.content.startswith(b"%PDF"):
                r.failure("not a PDF")
            else:
                _expect(r, 200, "application/pdf")

    @task(1)
    def lists(self):
        params = {"type": self.rng.choice(LIST_TYPES)} if self.rng.random() < 0.5 else None
        with self.client.get("/lists/", params=params, name="lists", catch_response=True) as r:
            _expect(r, 200, "text/html")

    @task(1)
    def notices(self):
        kind = self.rng.choice(NOTICE_KINDS)
        with self.client.get(f"/notices/{kind}/", name="notices", catch_response=True) as r:
            _expect(r, 200, "text/html")


class ApiReader(_Closing):
    """An integrator reading the public API without a token."""

    wait_time = PACE
    weight = 2

    @task(1)
    def search(self):
        with self.client.get("/api/v1/public/search", params={"q": _name_query(self.rng)}, name="api search",
                             catch_response=True) as r:
            _expect(r, 200, "json")

    @task(1)
    def profile(self):
        subject_id = self.rng.choice(SUBJECT_IDS)
        with self.client.get(f"/api/v1/public/subjects/{subject_id}", name="api profile", catch_response=True) as r:
            _expect(r, 200, "json", b'"id":')


class BatchSender(_Closing):
    """A department's system pushing small batches of records (two of them, whatever the user count)."""

    wait_time = BATCH_PACE
    fixed_count = 2

    def on_start(self):
        super().on_start()
        self.sent: list[tuple[dict, dict]] = []     # (body, first answer)
        self.headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}

    def _record(self) -> dict:
        n = next(_numbers)
        if self.rng.random() < 0.5:     # about a known organisation, under its registered name
            _, name, uscc = self.rng.choice(ORGANISATIONS)
        else:                           # about an organisation the archive has not met yet
            uscc, name = uscc_with_check_digit(f"91320602{90_000_000 + n:08d}X"), f"南通负载测试{n}商贸有限公司"
        decided = dt.date.today() - dt.timedelta(days=self.rng.randint(1, 300))
        return {"id": f"LOAD-{RUN}-{n}", "type": "admin_penalty_general",
                "subject": {"uscc": uscc, "name": name}, "decided_on": decided.isoformat(),
                "summary": "销售不合格商品",
                "details": {"decision_no": f"通市监罚〔{decided.year}〕L{n}号", "penalty_kinds": ["fine"],
                            "fine_amount_wan": round(self.rng.uniform(0.5, 20), 1)}}

    def _post(self, body: dict, name: str):
        return self.client.post("/api/v1/records/batches", data=orjson.dumps(body), headers=self.headers,
                                name=name, catch_response=True)

    @task(7)
    def new_batch(self):
        body = {"batch_id": f"load-{RUN}-{next(_numbers)}",
                "records": [self._record() for _ in range(self.rng.randint(*BATCH_SIZES))]}
        with self._post(body, "api batch new") as r:
            answer = _answer(r)
            if answer is None:
                return
            if answer["created"] != len(body["records"]) or answer["rejected"] or answer["replayed"]:
                r.failure(f"new batch: {({k: answer.get(k) for k in ('status', 'created', 'rejected')})} "
                          f"{answer.get('errors', [])[:2]}")
            else:
                r.success()
                _batch["batches"] += 1
                _batch["created"] += answer["created"]
                self.sent = (self.sent + [(body, answer)])[-KEEP_SENT:]

    @task(2)
    def replay(self):
        """The same batch again (a source unsure whether it arrived): the first answer, nothing written."""
        if not self.sent:
            return self.new_batch()
        body, first = self.rng.choice(self.sent)
        with self._post(body, "api batch replay") as r:
            answer = _answer(r)
            if answer is None:
                return
            if not answer["replayed"] or answer["batch"] != first["batch"] or answer["created"] != first["created"]:
                r.failure(f"replay answered batch {answer.get('batch')} (first {first['batch']}), "
                          f"replayed={answer.get('replayed')}")
            else:
                r.success()
                _batch["replayed"] += 1

    @task(1)
    def resend(self):
        """The same records under a new batch id: each is already there, so each comes back unchanged."""
        if not self.sent:
            return self.new_batch()
        body, _ = self.rng.choice(self.sent)
        again = {"batch_id": f"load-{RUN}-{next(_numbers)}", "records": body["records"]}
        with self._post(again, "api batch resend") as r:
            answer = _answer(r)
            if answer is None:
                return
            if answer["unchanged"] != len(body["records"]) or answer["created"] or answer["rejected"]:
                r.failure(f"re-sent records: {({k: answer.get(k) for k in ('created', 'unchanged', 'rejected')})}")
            else:
                r.success()
                _batch["resent"] += 1
                _batch["unchanged"] += answer["unchanged"]
