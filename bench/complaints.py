#!/usr/bin/env python
"""Complaints: classification speed and quality, and intake throughput, each against a same-run baseline.

    .venv/bin/python bench/complaints.py                 # 20,000 texts, 3 rounds
    .venv/bin/python bench/complaints.py --texts 50000

Classification (pure: no database, so none is set up for it):
1. The texts are the labelled sample (src/ecredit/complaints/data: dev + holdout, ~390 complaints of one to
   three sentences), repeated with a distinct order number appended until there are `--texts` of them, so no
   two texts are the same.
2. `classify_per_s`: `ecredit.complaints.classify.classify()` over all texts (regular-expression rules, jieba
   segmentation, keyword scores), the best of `--rounds` rounds. jieba's dictionary loads on the first call,
   before the clock starts; its cost is reported as `cold_start_s`.
3. Baseline `substring_per_s`: the same texts through a plain substring scan over the same keyword lists
   (for each category, the sum of the weights of the keywords found anywhere in the text; the best wins),
   which is the least any keyword classifier does. `ratio` = classify_per_s / substring_per_s.
4. Quality on the sample: micro and macro precision and recall of classify() on the holdout split (never used
   to write or tune the rules) and on the dev split (used for tuning), and the substring baseline's holdout
   figures for comparison. "other" counts as no answer (see ecredit.complaints.data.score).
Intake: see `intake_figures()`.
Prints one JSON line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def substring_classifier(on: dt.date):
    """The baseline: the keyword lists in force on `on`, scanned as plain substrings of the text."""
    from ecredit import policy
    from ecredit.policy import in_force

    source = policy.current().complaint_categories
    lists = [(code, tuple(in_force(versions, on).keywords.items()))
             for code, versions in source.categories.items()]
    default = source.default

    def predict(text: str) -> str:
        best, winner = 0.0, default
        for code, keywords in lists:
            total = sum(weight for word, weight in keywords if word in text)
            if total > best:
                best, winner = total, code
        return winner

    return predict


def rate(function, texts: list[str], rounds: int) -> float:
    """Texts per second: the best of `rounds` passes over `texts`."""
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        for text in texts:
            function(text)
        best = min(best, time.perf_counter() - started)
    return len(texts) / best


def classification_figures(count: int, rounds: int) -> dict:
    """Classification throughput against the substring baseline, and precision/recall on the sample."""
    from ecredit.complaints.classify import classify
    from ecredit.complaints.data import sample, score

    today = dt.date.today()
    labelled = sample("dev") + sample("holdout")
    texts = [f"{labelled[n % len(labelled)][1]}订单号{100000 + n}。" for n in range(count)]

    started = time.perf_counter()
    classify("快递丢了", on=today)                     # loads the rules and jieba's dictionary
    cold = time.perf_counter() - started
    baseline = substring_classifier(today)

    log(f"classifying {len(texts)} texts, {rounds} rounds")
    ours = rate(lambda text: classify(text, on=today), texts, rounds)
    theirs = rate(baseline, texts, rounds)

    figures: dict = {"texts": len(texts), "sample_dev": len(sample("dev")),
                     "sample_holdout": len(sample("holdout")), "cold_start_s": round(cold, 2), "classify_per_s": round(ours),
                     "substring_per_s": round(theirs), "ratio": round(ours / theirs, 3)}
    for split in ("holdout", "dev"):
        result = score(sample(split), lambda text: classify(text, on=today).category)
        for name in ("micro_precision", "micro_recall", "macro_precision", "macro_recall", "accuracy"):
            figures[f"{split}_{name}"] = round(getattr(result, name), 3)
    result = score(sample("holdout"), baseline)
    for name in ("micro_precision", "micro_recall", "macro_precision", "macro_recall"):
        figures[f"substring_holdout_{name}"] = round(getattr(result, name), 3)
    return figures


def intake_child(items_count: int, chunk: int) -> dict:
    """Runs inside a throwaway ECREDIT_HOME (migrated): the figures of intake_figures()."""
    import random

    import django

    django.setup()
    from stdnum.cn import uscc as uscc_std

    from ecredit import policy
    from ecredit.access.models import Organisation
    from ecredit.access.principal import Principal
    from ecredit.archive import services as archive
    from ecredit.archive.services import sync_record_types
    from ecredit.audit.services import Actor
    from ecredit.complaints import services as complaints
    from ecredit.complaints.models import Complaint
    from ecredit.registry import services as registry

    sync_record_types()
    pol = policy.current()
    for department in pol.departments.departments:
        Organisation.objects.create(code=department.code, name=department.name.zh, kind=department.kind)
    hotline = Organisation.objects.create(code="hotline_12315", name="12315热线", kind="hotline")
    officer = Principal.build("bench:officer", "department_officer", Organisation.objects.get(code="market_regulation"))
    caller = Principal.build("bench:hotline", "hotline_client", hotline)
    rng = random.Random(6)

    def uscc(n: int) -> str:
        body = f"91320600MA{n:07d}"
        return body + uscc_std.calc_check_digit(body)

    companies = [(uscc(i), f"南通测试{i}号商贸有限公司") for i in range(1, 401)]
    registry.register_many([{"subject": {"uscc": code, "name": name}} for code, name in companies],
                           Actor("bench", "market_regulation"))
    from ecredit.complaints.data import sample

    texts = [text for _, text in sample("holdout") + sample("dev")]

    def item(n: int) -> dict:
        code, name = rng.choice(companies)
        return {"投诉单号": f"1320600{n:012d}", "登记时间": f"2026-10-{1 + n % 28:02d} 10:{n % 60:02d}:00",
                "登记类型": "投诉", "投诉人姓名": "王小红", "投诉人电话": f"139{n:08d}",
                "投诉人地址": "江苏省南通市崇川区人民路1号", "被投诉方名称": name, "被投诉方统一社会信用代码": code,
                "被投诉方地址": "南通市崇川区", "投诉内容": texts[n % len(texts)], "投诉请求": "退货退款",
                "涉及金额（元）": "199.00", "知道权益受损日期": "2026-09-25"}

    items = [item(n) for n in range(items_count)]
    from ecredit.complaints.classify import classify

    classify(texts[0])          # jieba's dictionary loads once per process (cold_start_s), not per batch
    started = time.perf_counter()
    accepted = 0
    for at in range(0, len(items), chunk):
        report = complaints.intake_hotline("12315", items[at:at + chunk], caller)
        accepted += report.count("accepted") + report.count("merged")
    intake_s = time.perf_counter() - started
    started = time.perf_counter()
    duplicates = 0
    for at in range(0, len(items), chunk):          # the hotline sends everything again: nothing new
        duplicates += complaints.intake_hotline("12315", items[at:at + chunk], caller).count("duplicate")
    resend_s = time.perf_counter() - started
    # Baseline: the same number of credit records through the archive's own intake (validation, subject
    # resolution, change log), in batches of the same size.
    records = [{"id": f"B{n}", "type": "complaint_upheld", "subject": {"uscc": companies[n % 400][0]},
                "decided_on": "2026-10-20", "summary": "投诉成立",
                "details": {"complaint_no": f"C{n}", "subject_matter": texts[n % len(texts)],
                            "handled_by": "南通市市场监督管理局"}} for n in range(items_count)]
    started = time.perf_counter()
    for at in range(0, len(records), chunk):
        report = archive.ingest(records[at:at + chunk], officer)
        assert not report.rejected, report.errors[:3]
    ingest_s = time.perf_counter() - started
    return {"intake_items": items_count, "intake_chunk": chunk, "intake_cases": Complaint.objects.count(),
            "intake_accepted": accepted, "intake_per_s": round(items_count / intake_s, 1),
            "resend_per_s": round(items_count / resend_s, 1), "resend_duplicates": duplicates,
            "record_ingest_per_s": round(items_count / ingest_s, 1),
            "intake_ratio": round((items_count / ingest_s) / (items_count / intake_s), 2)}


def intake_figures(items_count: int = 2000, chunk: int = 500) -> dict:
    """Intake throughput, in a temporary ECREDIT_HOME with its own SQLite file (`ecredit migrate`).

    `items_count` complaints in 12315's layout (respondents among 400 registered companies, texts from the
    sample) sent through `complaints.services.intake_hotline` in batches of `chunk` (read the layout, resolve
    the respondent, classify, route, merge, compute deadlines, encrypt the complainant, write the case and
    its change-log entries): `intake_per_s`. Then the same batches again (`resend_per_s`: every item must come
    back a duplicate). Baseline in the same run: as many credit records through `archive.services.ingest`, the
    archive's own intake, in batches of the same size (`record_ingest_per_s`); `intake_ratio` = how many
    times longer a complaint takes than a record.
    """
    import os
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory(prefix="ecredit-bench-complaints-") as home:
        env = {**os.environ, "ECREDIT_HOME": home, "DJANGO_SETTINGS_MODULE": "ecredit.settings"}
        for name in ("ECREDIT_DATABASE_URL", "ECREDIT_TASKS"):
            env.pop(name, None)
        bin_dir = Path(sys.executable).parent
        subprocess.run([str(bin_dir / "ecredit"), "migrate", "-v", "0"], env=env, check=True, cwd=ROOT)
        out = subprocess.run([sys.executable, __file__, "--intake-child", str(items_count), str(chunk)], env=env,
                             check=True, cwd=ROOT, stdout=subprocess.PIPE, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--items", type=int, default=2000, help="complaints sent through the intake")
    parser.add_argument("--intake-child", nargs=2, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.intake_child:
        print(json.dumps(intake_child(*args.intake_child)), flush=True)
        return
    figures = classification_figures(args.texts, args.rounds)
    print(json.dumps({"bench": "complaints", **figures, **intake_figures(args.items)}, ensure_ascii=False),
          flush=True)


if __name__ == "__main__":
    main()
