"""`ecredit demo [--seed N] [--if-empty] [--scale X]`: the seeded demo Nantong, into an empty database."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from ecredit.access.models import Organisation
from ecredit.console import demo, demo_accounts
from ecredit.registry.models import Subject


class Command(BaseCommand):
    help = ("Build a deterministic demo city (departments, 5 platforms, ~2,000 organisations, 500 persons, "
            "3,000 shops, 20,000 records) into an empty, migrated database.")

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=demo.DEFAULT_SEED,
                            help="random seed (default %(default)s)")
        parser.add_argument("--scale", type=float, default=1.0,
                            help="multiply the counts, e.g. 0.05 for a small city (default 1.0)")
        parser.add_argument("--if-empty", action="store_true",
                            help="do nothing (and say so) when the database already holds data")

    def handle(self, *args, seed, scale, if_empty, verbosity, **options):
        if scale <= 0:
            raise CommandError("--scale must be positive")
        # Subjects mean the city is there; organisations or demo logins alone would collide with the demo's.
        if Subject.objects.exists() or Organisation.objects.exists() or \
                get_user_model().objects.filter(username__in=list(demo_accounts.USERS)).exists():
            if if_empty:
                self.stdout.write("数据库中已有数据，未生成演示数据 / database not empty: demo data not generated")
                return
            raise CommandError("数据库中已有数据 / the database already holds data; run `ecredit flush` first "
                               "or use --if-empty")
        say = self.stdout.write if verbosity >= 2 else None
        summary = demo.build(seed=seed, scale=scale, say=say)
        s = summary.subjects
        self.stdout.write("\n".join([
            f"演示数据已生成 / demo city built: seed {summary.seed}, scale {summary.scale:g}, "
            f"{summary.seconds:.1f} s",
            f"  单位 organisations (departments, platforms, agency, logistics): {summary.organisations}",
            f"  市场主体 subjects: {s['organisation']:,} organisations, {s['person']:,} persons, "
            f"{s['shop']:,} shops (未核验 unverified {summary.unverified_shops:,}, "
            f"逾期未报 stale {summary.stale_shops:,})",
            f"  信用记录 records: {summary.records:,} of {summary.record_types} types "
            f"(dated up to {demo.ANCHOR.isoformat()})",
            f"  异议 objections: {summary.objections}, 信用修复申请 repair applications: {summary.repairs}",
            f"  门户公示 portal notices: {summary.notices}, 信用评价 scores: {summary.scores:,}",
            f"  任务进展 plan progress reports: {summary.progress_reports}, "
            f"平台约谈 platform interviews: {summary.interviews}",
            f"  名单 list entries by status: {summary.list_entries}",
            f"  投诉举报 complaints: {summary.complaints:,}, 信用承诺 commitments: {summary.commitments:,}, "
            f"先行赔付 compensation claims: {summary.compensation_claims:,}, "
            f"放心消费 safe-consumption enrolments: {summary.safe_consumption:,}",
            f"  交易 trades: {summary.trades.get('orders', 0):,} orders, {summary.trades.get('ratings', 0):,} ratings",
            f"  快递运单 waybills: {summary.parcels:,}, 追溯事件 EPCIS events: {summary.trace_events:,}, "
            f"造假线索 findings by status: {summary.findings}",
            f"  用户 users: {summary.users}, 接口客户端 API clients: {summary.api_clients} "
            "(logins: see `ecredit serve`)",
        ]))
