#!/usr/bin/env python
"""A bounded load run over loopback (`make load`): mixed public and API traffic, no errors, memory flat.

1. a temp ECREDIT_HOME: SQLite there, or, when ECREDIT_DATABASE_URL names a PostgreSQL server (loopback only), a
   scratch database `ecredit_load` on it (dropped before and after); a copy of the policy rules with the public
   request limits (security.yaml `rate_limits`) raised, because every request comes from 127.0.0.1 (the limiter
   has its own tests); `ecredit migrate`, `ecredit demo`; the demo's public subjects, names and codes, and the
   `market_regulation` department's API token, written for the locustfile;
2. the server as deploy/systemd runs it, without nginx and without ECREDIT_PRODUCTION (which forces HTTPS):
   gunicorn `ecredit.wsgi:application` on 127.0.0.1 and a free port (gthread, `--workers`, `--threads`,
   timeout 120 s, access log), minus `--max-requests` (recycling workers would hide growing memory), and the
   background worker `ecredit db_worker --interval 1`;
3. the baseline: locust's `Baseline` users (GET /healthz) with the same user count and pace for `--baseline`
   seconds; then the mixed run (bench/load/locustfile.py: portal visitors, public API readers, two department
   systems sending batches) for `--duration` seconds, while the RSS of the gunicorn processes (master and
   workers) and of the task worker is sampled every `--sample-every` seconds;
4. afterwards: HTTP 5xx in gunicorn's access log, tracebacks and worker timeouts in its log, failed background
   tasks, the records in the database against those the batches reported created, and `ecredit verify-log`.

One JSON line on stdout (progress on stderr): requests, req/s, failures, p50/p95/p99 per kind of request and the
ratio of each p50 to the baseline's, the server's own time per kind (access log), RSS at the start and end, the means
of the first and last third of the samples after the warm-up and the growth between them. Exit 1 when a request
failed, an answer was 5xx, a task failed, records went missing, the change log does not verify, or memory grew more
than MAX_RSS_GROWTH_PCT. Details and the last figures: bench/load/README.md.

    .venv/bin/python bench/load/run.py [--users 40] [--spawn-rate 10] [--duration 180] [--baseline 20]
                                       [--scale 1] [--workers 3] [--threads 2] [--no-limits] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from _server import Gunicorn  # noqa: E402 - bench/_server.py, shared with the other benchmarks

ROOT = Path(__file__).resolve().parent.parent.parent
BIN = Path(sys.executable).parent
ECREDIT = [str(BIN / "ecredit")] if (BIN / "ecredit").exists() else [sys.executable, "-m", "ecredit"]
LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"
RULES = ROOT / "src" / "ecredit" / "policy" / "rules"
BASELINE_PATH = "/healthz"
PG_DB = "ecredit_load"
MIXED = ["Visitor", "ApiReader", "BatchSender"]
# gunicorn's default access line with the request's time in ms at the end (%(M)s).
ACCESS_FORMAT = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)s'
ACCESS_LINE = re.compile(r'"[A-Z]+ (?P<path>\S+) [^"]*" (?P<status>\d{3}) .* (?P<ms>\d+)$')
SERVER_KINDS = [(name, re.compile(pattern)) for name, pattern in (
    ("healthz", r"/healthz$"), ("home", r"/$"), ("search", r"/search\?"), ("profile", r"/subjects/\d+/$"),
    ("report pdf", r"/subjects/\d+/report\.pdf$"), ("lists", r"/lists/"), ("notices", r"/notices/"),
    ("api search", r"/api/v1/public/search"), ("api profile", r"/api/v1/public/subjects/"),
    ("api batch", r"/api/v1/records/batches"))]

# Bench criteria of this run (not policy): what "no errors, memory flat" means here.
MAX_FAILURES = 0            # requests locust counted failed (a wrong answer as well as a 5xx or a refused connection)
MAX_RSS_GROWTH_PCT = 20.0   # mean RSS of the last third of the samples after the warm-up against the first third
WARMUP_SECONDS = 60         # the start of the mixed run whose RSS samples are not judged: the workers' first PDFs
                            # (fonts, pango), late imports and page caches filling (~0.5 -> ~1.3 GB in 30-90 s)
LIMIT_FACTOR = 1000         # the public request limits are multiplied by this for the run (all load is one address)

FIXTURE = r"""
import json, sys
import django
django.setup()
from ecredit import policy
from ecredit.access.models import ApiClient
from ecredit.access.principal import anonymous
from ecredit.console.demo_accounts import TOKENS
from ecredit.registry.models import Subject, SubjectKind
public = Subject.objects.visible_to(anonymous())
current = policy.current()
rule = current.portal()
_, _, token = TOKENS["market_regulation"]
print(json.dumps({
    "run": sys.argv[1],
    "organisations": list(public.filter(kind=SubjectKind.ORGANISATION).exclude(uscc=None).order_by("id")
                          .values_list("id", "name", "uscc")),
    "shops": list(public.filter(kind=SubjectKind.SHOP).order_by("id").values_list("id", "name", "shop_id")),
    "notice_kinds": sorted(current.disclosure.publication_kinds),
    "list_types": list(rule.red_list_types) + list(rule.black_list_types),
    "token": token,
}, ensure_ascii=False))
"""

CHECK = r"""
import json, sys
import django
django.setup()
from django.db.models import Count
from django_tasks_db.models import DBTaskResult
from ecredit.archive.models import CreditRecord
tasks = dict(DBTaskResult.objects.values_list("status").annotate(n=Count("id")))
failed = list(DBTaskResult.objects.filter(status="FAILED").values_list("task_path", flat=True)[:5])
records = CreditRecord.objects.filter(source_record_id__startswith=f"LOAD-{sys.argv[1]}-").count()
print(json.dumps({"tasks": tasks, "failed_tasks": failed, "records": records}))
"""


def log(message: str) -> None:
    print(f"[load] {message}", file=sys.stderr, flush=True)


def run(cmd: list[str], env: dict, *, timeout: float = 900) -> str:
    done = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:3])} failed ({done.returncode}): {done.stderr[-2000:]}")
    return done.stdout


def loopback(url: str) -> bool:
    return (urlsplit(url).hostname or "") in ("127.0.0.1", "localhost", "::1")


def raised_rules(home: Path, off: bool) -> Path:
    """A copy of the policy rules with every public request limit multiplied by LIMIT_FACTOR, or with none
    (`off`: a bucket for a kind of request no view counts, since the rules want at least one)."""
    rules = home / "rules"
    shutil.copytree(os.environ.get("ECREDIT_POLICY_DIR") or RULES, rules)
    path = rules / "security.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for version in data.get("rate_limits", []):
        if off:
            version["buckets"] = {"load_run_none": {"requests": 1, "per_seconds": 60}}
        for bucket in version.get("buckets", {}).values():
            bucket["requests"] *= LIMIT_FACTOR
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return rules


def django_env(home: Path, db_url: str, rules: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECREDIT_")}
    env.update(ECREDIT_HOME=str(home), ECREDIT_DATABASE_URL=db_url, ECREDIT_POLICY_DIR=str(rules),
               ECREDIT_DEBUG="0", ECREDIT_ALLOWED_HOSTS="127.0.0.1,localhost",
               DJANGO_SETTINGS_MODULE="ecredit.settings", PYTHONUNBUFFERED="1")
    return env


class Processes:
    """RSS of a process and its descendants, sampled in a thread: [(seconds since start, MB), ...] per group."""

    def __init__(self, groups: dict[str, int], every: float) -> None:
        self.groups, self.every = groups, every
        self.samples: dict[str, list[tuple[float, float]]] = {name: [] for name in groups}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self.started = time.monotonic()

    @staticmethod
    def tree_rss(pid: int) -> float:
        """MB resident: the process and every descendant (psutil, else /proc)."""
        try:
            import psutil
        except ImportError:
            return _proc_tree_rss(pid) / 2**20
        try:
            root = psutil.Process(pid)
            procs = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return 0.0
        total = 0
        for p in procs:
            try:
                total += p.memory_info().rss
            except psutil.NoSuchProcess:
                pass
        return total / 2**20

    def _loop(self) -> None:
        while not self._stop.is_set():
            moment = time.monotonic() - self.started
            for name, pid in self.groups.items():
                self.samples[name].append((moment, self.tree_rss(pid)))
            self._stop.wait(self.every)

    def __enter__(self):
        self.started = time.monotonic()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def _proc_tree_rss(pid: int) -> int:
    """Bytes resident of `pid` and its descendants from /proc (VmRSS), when psutil is missing."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                children.setdefault(int(fields[1]), []).append(int(entry.name))
            except (OSError, IndexError):
                pass
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        todo.extend(children.get(current, []))
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            pass
    return total


def memory(samples: list[tuple[float, float]], warmup: float) -> dict:
    """Start, end, peak, and the growth from the first third of the samples after the warm-up to the last third."""
    judged = [mb for moment, mb in samples if moment >= warmup]
    if len(judged) < 3:
        raise RuntimeError(f"only {len(judged)} RSS samples after the warm-up: run longer")
    third = len(judged) // 3
    first, last = statistics.mean(judged[:third]), statistics.mean(judged[-third:])
    return {"start_mb": round(samples[0][1]), "after_warmup_mb": round(judged[0]), "end_mb": round(judged[-1]),
            "peak_mb": round(max(mb for _, mb in samples)), "first_third_mb": round(first, 1),
            "last_third_mb": round(last, 1), "growth_pct": round((last - first) / first * 100, 1),
            "samples": len(judged), "series": _series(samples)}


def _series(samples: list[tuple[float, float]], points: int = 12) -> list[list[float]]:
    """About `points` (seconds, MB) pairs spread over the run, for the README and a quick look at the shape."""
    step = max(1, len(samples) // (points - 1))
    chosen = samples[::step] + ([samples[-1]] if (len(samples) - 1) % step else [])
    return [[round(moment), round(mb)] for moment, mb in chosen]


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank) of `values`."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, int(round(q / 100 * len(ordered) + 0.5)) - 1))]


def locust(port: int, classes: list[str], args, seconds: int, home: Path, label: str, fixture: Path) -> dict:
    """One headless locust run of `classes` against 127.0.0.1:port; the figures the locustfile wrote."""
    results = home / f"locust-{label}.json"
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("ECREDIT_")},
           "LOAD_FIXTURE": str(fixture), "LOAD_RESULTS": str(results), "PYTHONUNBUFFERED": "1"}
    cmd = [str(BIN / "locust"), "-f", str(LOCUSTFILE), "--headless", "-u", str(args.users),
           "-r", str(args.spawn_rate), "-t", f"{seconds}s", "--host", f"http://127.0.0.1:{port}",
           "--stop-timeout", "30", "--only-summary", "--loglevel", "WARNING", "--exit-code-on-error", "0",
           *classes]
    output = home / f"locust-{label}.log"
    with open(output, "wb") as out:
        done = subprocess.run(cmd, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, timeout=seconds + 120)
    text = output.read_text(encoding="utf-8", errors="replace")
    if done.returncode != 0 or not results.exists():
        raise RuntimeError(f"locust ({label}) failed ({done.returncode}): {text[-2000:]}")
    data = json.loads(results.read_text(encoding="utf-8"))
    data["client_cpu_warning"] = "CPU usage above" in text
    data["seconds"] = (data["last"] - data["first"]) if data["first"] else float(seconds)
    return data


def figures(data: dict) -> dict:
    """Per kind of request: count, failures-free percentiles in ms."""
    kinds = {}
    for name, times in sorted(data["times_ms"].items()):
        kinds[name] = {"n": len(times), "p50_ms": round(percentile(times, 50), 1),
                       "p95_ms": round(percentile(times, 95), 1), "p99_ms": round(percentile(times, 99), 1),
                       "max_ms": round(max(times), 1),
                       "statuses": dict(sorted(data["statuses"][name].items()))}
    return kinds


def server_side(home: Path) -> tuple[dict, dict]:
    """From gunicorn's access log (ACCESS_FORMAT): per kind of path, the time the server spent on a request
    (p50, and the sum: where the server's time went); 5xx answers; tracebacks and worker timeouts in its log."""
    times: dict[str, list[int]] = {}
    count_5xx = 0
    for line in (home / "access.log").read_text(encoding="utf-8", errors="replace").splitlines():
        match = ACCESS_LINE.search(line)
        if not match:
            continue
        count_5xx += match["status"].startswith("5")
        kind = next((name for name, pattern in SERVER_KINDS if pattern.match(match["path"])), "other")
        times.setdefault(kind, []).append(int(match["ms"]))
    spent = {kind: {"n": len(ms), "p50_ms": percentile(ms, 50), "p95_ms": percentile(ms, 95),
                    "total_s": round(sum(ms) / 1000, 1)} for kind, ms in sorted(times.items())}
    text = (home / "gunicorn.log").read_text(encoding="utf-8", errors="replace")
    worker = (home / "worker.log").read_text(encoding="utf-8", errors="replace")
    return spent, {"http_5xx": count_5xx, "tracebacks": text.count("Traceback"),
                   "worker_timeouts": text.count("WORKER TIMEOUT"), "task_worker_tracebacks": worker.count("Traceback")}


def warm_up(server: Gunicorn, subjects: dict) -> None:
    """A few untimed requests, so that the baseline does not time the workers' first imports."""
    organisation = subjects["organisations"][0][0]
    for _ in range(3):
        for path in (BASELINE_PATH, "/", f"/subjects/{organisation}/", f"/api/v1/public/subjects/{organisation}"):
            status, _, _ = server.get(path)
            if status != 200:
                raise RuntimeError(f"warm-up: GET {path}: HTTP {status}: {server.tail()}")


def start_worker(env: dict, home: Path) -> subprocess.Popen:
    """`ecredit db_worker` as deploy/systemd/ecredit-worker.service runs it, in its own process group."""
    out = open(home / "worker.log", "wb")
    try:
        return subprocess.Popen([*ECREDIT, "db_worker", "--interval", "1", "--no-reload"], env=env, cwd=ROOT,
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    finally:
        out.close()


def stop_group(proc: subprocess.Popen) -> None:
    """SIGTERM to the process's group, SIGKILL after 15 s."""
    for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
        if proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, sig)
            proc.wait(wait)
            return
        except ProcessLookupError:
            return
        except subprocess.TimeoutExpired:
            continue


def load_run(args) -> dict:
    started = time.monotonic()
    home = Path(tempfile.mkdtemp(prefix="ecredit-load-"))
    server = worker = pg_admin = None
    try:
        url = os.environ.get("ECREDIT_DATABASE_URL", "")
        if url.startswith("postgres"):
            import psycopg

            base = url.rsplit("/", 1)[0] if urlsplit(url).path not in ("", "/") else url.rstrip("/")
            pg_admin = psycopg.connect(f"{base}/postgres", autocommit=True, connect_timeout=5)
            pg_admin.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
            pg_admin.execute(f"CREATE DATABASE {PG_DB}")
            db, db_url = "postgresql", f"{base}/{PG_DB}"
        else:
            db, db_url = "sqlite", f"sqlite:///{home / 'load.sqlite3'}"
        rules = raised_rules(home, args.no_limits)
        env = django_env(home, db_url, rules)
        limits = ("no public request limits" if args.no_limits
                  else f"security.yaml rate_limits x{LIMIT_FACTOR} (all load comes from one address)")
        log(f"{db}: migrate (home {home}; {limits})")
        run([*ECREDIT, "migrate", "--noinput", "-v", "0"], env)
        demo = ["demo", "--scale", str(args.scale)] if args.scale != 1 else ["demo"]
        log("ecredit " + " ".join(demo))
        run([*ECREDIT, *demo], env)
        run_id = uuid.uuid4().hex[:8]
        fixture = home / "fixture.json"
        fixture.write_text(run([sys.executable, "-c", FIXTURE, run_id], env).strip().splitlines()[-1],
                           encoding="utf-8")
        subjects = json.loads(fixture.read_text(encoding="utf-8"))
        setup_seconds = time.monotonic() - started
        log(f"set up in {setup_seconds:.0f}s: {len(subjects['organisations'])} public organisations, "
            f"{len(subjects['shops'])} shops")

        server = Gunicorn(
            "ecredit.wsgi:application",
            ["--workers", str(args.workers), "--worker-class", "gthread", "--threads", str(args.threads),
             "--timeout", "120", "--access-logfile", str(home / "access.log"), "--access-logformat", ACCESS_FORMAT,
             "--log-level", "warning"],
            env, home / "gunicorn.log")
        worker = start_worker(env, home)
        server.wait_ready(BASELINE_PATH)
        warm_up(server, subjects)
        describe = (f"gunicorn {args.workers} workers (gthread, {args.threads} threads) "
                    "+ ecredit db_worker --interval 1")
        log(f"{describe} on 127.0.0.1:{server.port}")

        load_before = os.getloadavg()
        log(f"baseline: {args.users} users on {BASELINE_PATH} for {args.baseline}s "
            f"(load average {load_before[0]:.2f})")
        base = locust(server.port, ["Baseline"], args, args.baseline, home, "baseline", fixture)
        base_kind = figures(base)["healthz"]
        log(f"  {base_kind['n']} requests, p50 {base_kind['p50_ms']} ms, p99 {base_kind['p99_ms']} ms")

        load_mixed = os.getloadavg()
        log(f"mixed: {args.users} users ({', '.join(MIXED)}) for {args.duration}s "
            f"(load average {load_mixed[0]:.2f})")
        with Processes({"web": server.proc.pid, "worker": worker.pid}, args.sample_every) as sampler:
            mixed = locust(server.port, MIXED, args, args.duration, home, "mixed", fixture)
        load_after = os.getloadavg()
        (home / "rss.json").write_text(json.dumps(sampler.samples))
        server.stop()
        stop_group(worker)
        server = worker = None

        checks = json.loads(run([sys.executable, "-c", CHECK, run_id], env).strip().splitlines()[-1])
        log("ecredit verify-log")
        verify = subprocess.run([*ECREDIT, "verify-log"], env=env, cwd=ROOT, capture_output=True, text=True,
                                timeout=600)
        spent, errors = server_side(home)

        kinds = figures(mixed)
        for kind in kinds.values():
            kind["p50_vs_baseline"] = round(kind["p50_ms"] / base_kind["p50_ms"], 1) if base_kind["p50_ms"] else None
        total = sum(k["n"] for k in kinds.values())
        web = memory(sampler.samples["web"], WARMUP_SECONDS)
        task_worker = memory(sampler.samples["worker"], WARMUP_SECONDS)
        problems = []
        if mixed["failure_count"] + base["failure_count"] > MAX_FAILURES:
            problems.append(f"{mixed['failure_count'] + base['failure_count']} failed requests")
        if errors["http_5xx"] or errors["tracebacks"] or errors["worker_timeouts"]:
            problems.append(f"server errors: {errors}")
        if checks["tasks"].get("FAILED"):
            problems.append(f"{checks['tasks']['FAILED']} background tasks failed: {checks['failed_tasks']}")
        if checks["records"] != mixed["batch"].get("created", 0):
            problems.append(f"{checks['records']} records of this run in the database, "
                            f"the batches reported {mixed['batch'].get('created', 0)} created")
        if verify.returncode != 0:
            problems.append(f"verify-log: {(verify.stdout + verify.stderr).strip()[-300:]}")
        for name, group in (("web", web), ("worker", task_worker)):
            if group["growth_pct"] > MAX_RSS_GROWTH_PCT:
                problems.append(f"{name} RSS grew {group['growth_pct']}% (limit {MAX_RSS_GROWTH_PCT}%)")
        return {
            "bench": "load", "db": db, "ok": not problems, "problems": problems,
            "users": args.users, "spawn_rate": args.spawn_rate, "duration_s": round(mixed["seconds"], 1),
            "requests": total, "rps": round(total / mixed["seconds"], 1),
            "failures": mixed["failure_count"], "failure_samples": mixed["failures"],
            "kinds": kinds,
            "baseline": {"path": BASELINE_PATH, "n": base_kind["n"], "rps": round(base_kind["n"] / base["seconds"], 1),
                         "p50_ms": base_kind["p50_ms"], "p95_ms": base_kind["p95_ms"],
                         "p99_ms": base_kind["p99_ms"], "failures": base["failure_count"],
                         "duration_s": round(base["seconds"], 1)},
            "rss_web": web, "rss_task_worker": task_worker,
            "batches": mixed["batch"], "records_in_db": checks["records"], "tasks": checks["tasks"],
            "server_time": spent, "server_errors": errors, "log_verified": verify.returncode == 0,
            "client_cpu_warning": mixed["client_cpu_warning"] or base["client_cpu_warning"],
            "load_avg": {"before_baseline": round(load_before[0], 2), "before_mixed": round(load_mixed[0], 2),
                         "after_mixed": round(load_after[0], 2)},
            "setup_s": round(setup_seconds), "total_s": round(time.monotonic() - started),
            "subjects": len(subjects["organisations"]) + len(subjects["shops"]), "scale": args.scale,
            "server": describe, "limits": limits,
        }
    finally:
        if server is not None:
            server.stop()
        if worker is not None:
            stop_group(worker)
        if pg_admin is not None:
            try:
                pg_admin.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
            finally:
                pg_admin.close()
        if args.keep:
            log(f"kept {home}")
        else:
            shutil.rmtree(home, ignore_errors=True)


def _interrupted(signum, frame):
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=40, help="concurrent locust users (default 40)")
    parser.add_argument("--spawn-rate", type=float, default=10, help="users started per second (default 10)")
    parser.add_argument("--duration", type=int, default=180, help="seconds of mixed load (default 180)")
    parser.add_argument("--baseline", type=int, default=20, help="seconds of the /healthz baseline (default 20)")
    parser.add_argument("--scale", type=float, default=1.0, help="demo city scale (default 1: the full city)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (default 3)")
    parser.add_argument("--threads", type=int, default=2, help="threads per gunicorn worker (default 2)")
    parser.add_argument("--sample-every", type=float, default=2.0, help="seconds between RSS samples (default 2)")
    parser.add_argument("--no-limits", action="store_true",
                        help="no public request limits at all (to see what counting them costs; default: raised)")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (logs, database) afterwards")
    args = parser.parse_args(argv)
    if min(args.users, args.duration, args.baseline, args.workers, args.threads) < 1 or args.scale <= 0:
        parser.error("--users, --duration, --baseline, --workers, --threads and --scale must be positive")
    if args.duration + args.baseline > 300:
        parser.error("a bounded run: --duration + --baseline at most 300 seconds")
    if args.duration <= WARMUP_SECONDS + 30:
        parser.error(f"--duration must exceed the {WARMUP_SECONDS}s warm-up by at least 30s")
    url = os.environ.get("ECREDIT_DATABASE_URL", "")
    if url.startswith("postgres") and not loopback(url):
        parser.error("ECREDIT_DATABASE_URL must point at a loopback host (127.0.0.1, localhost, ::1)")
    if not (BIN / "locust").exists():
        parser.error("locust is missing: `make load` installs it (pip install -e '.[load]')")

    signal.signal(signal.SIGTERM, _interrupted)
    try:
        line = load_run(args)
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # noqa: BLE001 - one JSON line saying what failed
        print(json.dumps({"bench": "load", "ok": False, "error": f"{type(exc).__name__}: {exc}"[:2000]},
                         ensure_ascii=False), flush=True)
        return 1
    print(json.dumps(line, ensure_ascii=False), flush=True)
    for problem in line["problems"]:
        log(f"FAILED: {problem}")
    return 0 if line["ok"] else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        log("interrupted; server and worker stopped, temp dir removed")
        sys.exit(130)
