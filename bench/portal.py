#!/usr/bin/env python
"""Public portal under load against the same server's minimal endpoint (`make bench`).

1. a temp ECREDIT_HOME (SQLite), `ecredit migrate`, `ecredit demo` (the full demo city; `--scale` for less);
2. the server as production runs it: gunicorn `ecredit.wsgi:application` on 127.0.0.1 and a free port,
   DEBUG off, workers suited to 2 cores (default 2 sync workers, `--workers` / `--threads` to change);
   waits until /healthz answers;
3. the paths of every public subject's profile (organisations and shops; persons are never public),
   checked on a sample to answer 200; one short untimed warm-up of both endpoints;
4. for each client count (20, 50): wrk (C, so the client does not eat the server's cores) with
   bench/portal_wrk.lua for `--duration` seconds against /healthz (the baseline), then against random
   profile pages -> p50/p99 latency and requests/s; ratio = profile rps / baseline rps;
5. pdf_ms: median time of GET /subjects/<id>/report.pdf for `--pdf` different subjects one after the
   other, after one warm-up download of another subject (null, with a note on stderr, while the report
   view is missing).

One JSON line per client count on stdout, progress on stderr. Goals: ratio >= 0.3 at both counts,
p99 <= 100 ms at 20 clients, pdf <= 500 ms. Profile pages are cached per process (keyed by the subject's
own version, src/ecredit/portal/views.py `subject_version`), so the cache fills during the runs as it would
in production; nothing writes meanwhile.
The server is killed by its process group and the temp dir removed, also on an error, Ctrl-C or SIGTERM.

    .venv/bin/python bench/portal.py [--duration 30] [--clients 20,50] [--scale 1] [--workers 2]
                                     [--threads 1] [--pdf 20] [--seed N]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _server import Gunicorn

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
ECREDIT = str(BIN / "ecredit") if (BIN / "ecredit").exists() else None
LUA = Path(__file__).resolve().parent / "portal_wrk.lua"
BASELINE_PATH = "/healthz"

SUBJECT_IDS = r"""
import json
import django
django.setup()
from ecredit.access.principal import anonymous
from ecredit.registry.models import Subject, SubjectKind
public = Subject.objects.visible_to(anonymous()).filter(kind__in=[SubjectKind.ORGANISATION, SubjectKind.SHOP])
ids = list(public.order_by("id").values_list("id", flat=True))
print(json.dumps(ids))
"""


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def run(cmd: list[str], env: dict, *, timeout: float = 900) -> str:
    done = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:3])} failed ({done.returncode}): {done.stderr[-2000:]}")
    return done.stdout


def ecredit_cmd(*args: str) -> list[str]:
    return [ECREDIT, *args] if ECREDIT else [sys.executable, "-m", "ecredit", *args]


def unreachable_limits(home: Path) -> Path:
    """A copy of the rules whose request limits per address (security.yaml rate_limits) no run reaches: wrk sends
    everything from 127.0.0.1. The requests are still counted, so the figures include the counting."""
    import yaml

    rules = home / "rules"
    shutil.copytree(ROOT / "src" / "ecredit" / "policy" / "rules", rules)
    path = rules / "security.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for version in data["rate_limits"]:
        for bucket in version["buckets"].values():
            bucket["requests"] = 10**9
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return rules


def django_env(home: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECREDIT_")}
    env.update(ECREDIT_HOME=str(home), ECREDIT_DATABASE_URL=f"sqlite:///{home / 'bench.sqlite3'}",
               ECREDIT_POLICY_DIR=str(unreachable_limits(home)),
               ECREDIT_DEBUG="0", ECREDIT_ALLOWED_HOSTS="127.0.0.1,localhost",
               DJANGO_SETTINGS_MODULE="ecredit.settings", PYTHONUNBUFFERED="1")
    return env


def start_server(env: dict, home: Path, workers: int, threads: int) -> tuple[Gunicorn, str]:
    """gunicorn as production runs it; returns it and its description for the JSON lines."""
    kind = ["gthread", "--threads", str(threads)] if threads > 1 else ["sync"]
    model = f"gthread, {threads} threads" if threads > 1 else "sync"
    server = Gunicorn(
        "ecredit.wsgi:application",
        ["--workers", str(workers), "--worker-class", *kind, "--backlog", "2048", "--keep-alive", "5",
         "--timeout", "120", "--log-level", "warning"],
        env, home / "gunicorn.log")
    return server, f"gunicorn {workers} workers ({model})"


def wrk(port: int, paths_file: Path, clients: int, seconds: int) -> dict:
    """One wrk run; the figures the Lua script prints in done()."""
    cmd = ["wrk", f"-t{min(2, clients)}", f"-c{clients}", f"-d{seconds}s", "--timeout", "10s", "--latency",
           "-s", str(LUA), f"http://127.0.0.1:{port}", "--", str(paths_file)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 120)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr[-1000:]} {done.stdout[-1000:]}")
    return json.loads(lines[-1])


def check_pages(server: Gunicorn, paths: list[str], sample: int = 20) -> None:
    """Every path of a sample answers 200 with HTML (a 404 would flatter the figures)."""
    for path in random.Random(1).sample(paths, min(sample, len(paths))):
        status, ctype, _ = server.get(path)
        if status != 200 or not ctype.startswith("text/html"):
            raise RuntimeError(f"GET {path}: HTTP {status} {ctype}: {server.tail()}")


def pdf_median(server: Gunicorn, ids: list[int], count: int) -> float | None:
    """Median ms of sequential report downloads of `count` different subjects, after one warm-up."""
    chosen = random.Random(2).sample(ids, min(count + 1, len(ids)))
    status, ctype, _ = server.get(f"/subjects/{chosen[0]}/report.pdf", timeout=120)
    if status != 200 or "pdf" not in ctype:
        log(f"pdf_ms: null: GET /subjects/<id>/report.pdf answered HTTP {status} {ctype or ''} "
            "(report view missing?)")
        return None
    times = []
    for subject_id in chosen[1:]:
        started = time.perf_counter()
        status, ctype, body = server.get(f"/subjects/{subject_id}/report.pdf", timeout=120)
        times.append((time.perf_counter() - started) * 1000)
        if status != 200 or not body.startswith(b"%PDF"):
            raise RuntimeError(f"report of subject {subject_id}: HTTP {status} {ctype}")
    log(f"pdf: {len(times)} reports, median {statistics.median(times):.0f} ms, max {max(times):.0f} ms")
    return statistics.median(times)


def bench(args) -> list[dict]:
    home = Path(tempfile.mkdtemp(prefix="ecredit-bench-portal-"))
    server = None
    try:
        env = django_env(home)
        log("migrate")
        run(ecredit_cmd("migrate", "--noinput", "-v", "0"), env)
        demo = ["demo", "--seed", str(args.seed)] if args.seed is not None else ["demo"]
        if args.scale != 1:
            demo += ["--scale", str(args.scale)]
        log("ecredit " + " ".join(demo))
        started = time.perf_counter()
        run(ecredit_cmd(*demo), env)
        log(f"demo city built in {time.perf_counter() - started:.1f}s")
        ids = json.loads(run([sys.executable, "-c", SUBJECT_IDS], env).strip().splitlines()[-1])
        if not ids:
            raise RuntimeError("no public subjects in the demo city")
        paths = [f"/subjects/{i}/" for i in ids]
        profile_file, baseline_file = home / "profiles.txt", home / "baseline.txt"
        profile_file.write_text("\n".join(paths) + "\n")
        baseline_file.write_text(BASELINE_PATH + "\n")

        server, describe = start_server(env, home, args.workers, args.threads)
        server.wait_ready(BASELINE_PATH)
        log(f"{describe} on 127.0.0.1:{server.port}; {len(ids)} public subjects")
        check_pages(server, paths)
        warm = max(2, min(5, args.duration // 6))
        log(f"warm-up: {warm}s of each endpoint (not counted)")
        wrk(server.port, baseline_file, 10, warm)
        wrk(server.port, profile_file, 10, warm)

        results = []
        for clients in args.clients:
            load = os.getloadavg()[0]   # other work on the machine skews both figures; said in the line
            log(f"{clients} clients, {args.duration}s: baseline {BASELINE_PATH} (load average {load:.2f})")
            base = wrk(server.port, baseline_file, clients, args.duration)
            log(f"  baseline {base['rps']:.0f} req/s, p50 {base['p50_ms']:.1f}, p99 {base['p99_ms']:.1f} ms")
            log(f"{clients} clients, {args.duration}s: profile pages")
            page = wrk(server.port, profile_file, clients, args.duration)
            log(f"  profiles {page['rps']:.0f} req/s, p50 {page['p50_ms']:.1f}, p99 {page['p99_ms']:.1f} ms")
            for name, figures in (("baseline", base), ("profile", page)):
                if figures["non_2xx_3xx"] or figures["socket_errors"]:
                    log(f"  warning: {name}: {figures['non_2xx_3xx']} error answers, "
                        f"{figures['socket_errors']} socket errors")
            results.append({"clients": clients, "page": page, "base": base, "load": round(load, 2)})
        pdf_ms = pdf_median(server, ids, args.pdf) if args.pdf else None

        lines = []
        for r in results:
            page, base = r["page"], r["base"]
            ratio = page["rps"] / base["rps"] if base["rps"] else None
            lines.append({
                "bench": "portal", "clients": r["clients"], "p50_ms": round(page["p50_ms"], 1),
                "p99_ms": round(page["p99_ms"], 1), "rps": round(page["rps"]),
                "baseline_rps": round(base["rps"]),
                "ratio": round(ratio, 3) if ratio is not None else None,
                "pdf_ms": round(pdf_ms) if pdf_ms is not None else None,
                "baseline_p50_ms": round(base["p50_ms"], 1), "baseline_p99_ms": round(base["p99_ms"], 1),
                "errors": sum(f["non_2xx_3xx"] + f["socket_errors"] for f in (page, base)),
                "load_avg_before": r["load"], "duration_s": args.duration, "subjects": len(ids),
                "scale": args.scale, "server": describe})
        return lines
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(home, ignore_errors=True)


def _interrupted(signum, frame):
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=30, help="seconds per wrk run (default 30)")
    parser.add_argument("--clients", default="20,50", help="comma-separated client counts (default 20,50)")
    parser.add_argument("--scale", type=float, default=1.0, help="demo city scale (default 1: the full city)")
    parser.add_argument("--seed", type=int, default=None, help="demo seed (default: the demo's own)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2, for 2 cores)")
    parser.add_argument("--threads", type=int, default=1,
                        help="threads per worker; more than 1 uses gthread (default 1)")
    parser.add_argument("--pdf", type=int, default=20, help="reports timed for pdf_ms (0: skip; default 20)")
    args = parser.parse_args(argv)
    try:
        args.clients = [int(c) for c in args.clients.split(",") if c.strip()]
    except ValueError:
        parser.error("--clients must be comma-separated numbers")
    if args.duration < 1 or args.scale <= 0 or args.workers < 1 or args.threads < 1 or not args.clients:
        parser.error("--duration, --scale, --workers, --threads and --clients must be positive")
    if not shutil.which("wrk"):
        parser.error("wrk is missing: `make install` installs it (scripts/system-packages.txt)")

    signal.signal(signal.SIGTERM, _interrupted)
    try:
        lines = bench(args)
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # noqa: BLE001 - one JSON line saying what failed
        error = f"{type(exc).__name__}: {exc}"[:1000]
        print(json.dumps({"bench": "portal", "error": error}, ensure_ascii=False), flush=True)
        return 1
    for line in lines:
        print(json.dumps(line, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        log("interrupted; server stopped, temp dir removed")
        sys.exit(130)
