"""`ecredit import-trades FILE --org CODE --kind orders|ratings` on CSV and xlsx files."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from ecredit.marketplace.models import Order, OrderItem, Rating, TradeBatch

from .conftest import GTIN_A, GTIN_B

pytestmark = pytest.mark.django_db

ORDER_HEADER = ["订单号", "网店编号", "买家标识", "订单金额（元）", "订单状态", "下单时间", "付款时间", "发货时间", "交易成功时间",
                "退款时间", "支付渠道", "运单号", "商品条码", "商品类目", "数量", "单价（元）"]
RATING_HEADER = ["订单号", "评价方向", "评价", "描述相符", "服务态度", "物流服务", "评价内容", "评价时间", "追加评价", "追加时间"]


def _time(days_ago: int, hour: int = 10) -> str:
    day = timezone.localdate() - dt.timedelta(days=days_ago)
    return f"{day:%Y/%m/%d} {hour:02d}:00:00"


def _orders() -> list[list]:
    return [
        ["F1", "S1", "u-1001", "60.00", "交易成功", _time(6), _time(6), _time(6, 15), _time(5), "", "支付宝",
         "SF1001", GTIN_A, "食品", 2, "20.00"],
        ["F1", "", "", "", "", "", "", "", "", "", "", "", GTIN_B, "cosmetics", 1, "20.00"],   # F1's 2nd item
        ["F2", "S1", "u-1002", "35.50", "已退款", _time(8), _time(8), _time(8, 15), _time(7), _time(6), "微信支付",
         "SF1002", GTIN_A, "食品", 1, "35.50"],
        ["F3", "S1", "13812345678", "10.00", "交易成功", _time(6), "", _time(6, 15), _time(5), "", "", "", GTIN_A,
         "食品", 1, "10.00"],                                                     # a phone number as buyer
        ["", "S1", "u-1004", "10.00", "交易成功", _time(6), "", "", _time(5), "", "", "", GTIN_A, "食品", 1, "10"],
    ]


def _csv(rows: list[list], header: list[str], encoding: str = "utf-8-sig") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def _xlsx(rows: list[list], header: list[str]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["某平台评价数据导出"])          # a title row above the header
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _run(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("import-trades", *args, stdout=out, stderr=out)
    except SystemExit as exc:
        return int(exc.code), out.getvalue()
    except CommandError as exc:
        return exc.returncode, str(exc)
    return 0, out.getvalue()


def test_orders_from_csv_with_refused_rows_and_report(market, tmp_path):
    path = tmp_path / "订单.csv"
    path.write_bytes(_csv(_orders(), ORDER_HEADER, "gb18030"))
    code, out = _run(str(path), "--org", market.org.code, "--kind", "orders")
    assert code == 1, out
    assert "收到 4 条，新增 2，更新 0，未变化 0，退回 2" in out
    f1 = Order.objects.get(order_no="F1")
    assert (f1.status, f1.payment_channel, str(f1.amount)) == ("completed", "支付宝", "60.00")
    items = sorted(OrderItem.objects.filter(order=f1).values_list("category", "quantity"))
    assert items == [("cosmetics", 1), ("food", 2)]
    assert Order.objects.get(order_no="F2").status == "refunded"
    report = openpyxl.load_workbook(tmp_path / "订单_错误报告.xlsx").active
    rows = [tuple(r) for r in report.iter_rows(min_row=2, values_only=True)]
    assert [(r[0], r[2], r[3]) for r in rows] == [(5, "buyer", "personal_data"), (6, "order_id", "required")]
    assert TradeBatch.objects.get().channel == "file"
    # the same file again changes nothing
    code, out = _run(str(path), "--org", market.org.code, "--kind", "orders")
    assert code == 1 and "新增 0，更新 0，未变化 2，退回 2" in out


def test_ratings_from_xlsx(market, tmp_path):
    orders = tmp_path / "orders.csv"
    orders.write_bytes(_csv(_orders()[:3], ORDER_HEADER))
    assert _run(str(orders), "--org", market.org.code, "--kind", "orders")[0] == 0
    path = tmp_path / "评价.xlsx"
    path.write_bytes(_xlsx([
        ["F1", "买家评价卖家", "好评", 5, 4, 5, "不错", _time(4), "用了一周还好", _time(2)],
        ["F1", "卖家评价买家", "好评", None, None, None, "好买家", _time(4), None, None],
        ["F2", "买家评价卖家", "差评", 1, 1, 6, "太差", _time(4), None, None],             # a score of 6
        ["F9", "买家评价卖家", "中评", None, None, None, "", _time(4), None, None],          # no such order
    ], RATING_HEADER))
    code, out = _run(str(path), "--org", market.org.code, "--kind", "ratings",
                     "--report", str(tmp_path / "r.xlsx"))
    assert code == 1, out
    assert "收到 4 条，新增 2，更新 0，未变化 0，退回 2" in out
    rating = Rating.objects.get(order__order_no="F1", direction="buyer_to_seller")
    assert (rating.value, rating.dsr_service, rating.appended_text) == ("good", 4, "用了一周还好")
    report = openpyxl.load_workbook(tmp_path / "r.xlsx").active
    assert [(r[0], r[3]) for r in report.iter_rows(min_row=2, values_only=True)] == [(5, "bad_score"),
                                                                                     (6, "unknown_order")]


def test_atomic_file_writes_nothing(market, tmp_path):
    path = tmp_path / "orders.csv"
    path.write_bytes(_csv(_orders(), ORDER_HEADER))
    code, out = _run(str(path), "--org", market.org.code, "--kind", "orders", "--atomic")
    assert code == 1 and "未写入数据" in out and not Order.objects.exists()


def test_unusable_files_and_senders_exit_2(market, officer, tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes("名称,金额\n甲,1\n".encode())
    assert _run(str(path), "--org", market.org.code, "--kind", "orders")[0] == 2
    assert _run(str(tmp_path / "missing.csv"), "--org", market.org.code, "--kind", "orders")[0] == 2
    assert _run(str(path), "--org", "nobody", "--kind", "orders")[0] == 2
    good = tmp_path / "orders.csv"
    good.write_bytes(_csv(_orders()[:1], ORDER_HEADER))
    code, out = _run(str(good), "--org", "market_regulation", "--kind", "orders")
    assert code == 2 and not Order.objects.exists()
