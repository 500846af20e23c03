"""Carriers' files (CSV in GBK, xlsx) in the layouts of logistics.yaml, and the intake API with its tokens."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.management import call_command
from django.test import Client

from ecredit.kit.errors import ValidationFailed
from ecredit.logistics.files import error_report, import_parcels
from ecredit.logistics.models import ParcelBatch, Scan, Waybill
from tests import factories as f

from .conftest import PLATFORM_USCC, journey, waybill

pytestmark = pytest.mark.django_db

AGGREGATOR_CSV = """运单号,时间,状态,地区编码,地区名称,描述
YT6600000001,2026-03-01 09:00:00,1,320613,江苏省南通市崇川区,【南通崇川营业部】已揽收
YT6600000001,2026/03/01 20:00:00,0,320600,江苏省南通市,快件已到达【南通分拨中心】
YT6600000001,2026-03-02 08:00:00,0,310100,上海市,快件已到达【上海转运中心】
YT6600000001,2026-03-02 15:00:00,5,310101,上海市黄浦区,派件员正在派件，电话13700002222
YT6600000001,2026-03-02 18:00:00,3,310101,上海市黄浦区,已签收，签收人：本人
YT6600000002,2026-03-01 09:00:00,9,320613,江苏省南通市崇川区,未知状态
YT6600000002,2026-13-01 09:00:00,1,320613,江苏省南通市崇川区,坏日期
"""


def test_an_aggregator_export_in_gbk(carrier):
    result = import_parcels(AGGREGATOR_CSV.encode("gbk"), "trace.csv", "aggregator_scans", carrier.principal)
    assert (result.received, result.created, result.rejected) == (7, 5, 2)
    assert [(e["row"], e["field"], e["code"]) for e in result.errors] == [(7, "state", "bad_state"),
                                                                         (8, "time", "bad_time")]
    item = Waybill.objects.get(waybill_no="YT6600000001")
    assert item.state == "signed" and item.accepted_region == "320613"
    kinds = list(Scan.objects.filter(waybill=item).order_by("at").values_list("state", "station_type"))
    assert kinds == [("accepted", "outlet"), ("in_transit", "hub"), ("in_transit", "transit_centre"),
                     ("out_for_delivery", ""), ("signed", "")]
    assert "13700002222" not in "".join(Scan.objects.values_list("text", flat=True))
    assert ParcelBatch.objects.get().vocabulary == "aggregator"
    report = openpyxl.load_workbook(io.BytesIO(error_report(result))).active
    assert [c.value for c in report[2]][:3] == [7, "YT6600000002", "state"]


def _xlsx(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_carrier_scan_log_in_xlsx(carrier):
    data = _xlsx([["扫描记录导出"], [],
                  ["运单号", "扫描时间", "动作", "网点名称", "网点类型", "网点地区编码", "下一站", "快递员", "快递员电话"],
                  ["YT6700000001", "2026-03-01 09:00", "GOT", "南通崇川营业部", "outlet", 320613, "南通分拨中心", "李四",
                   "13800001111"],
                  ["YT6700000001", "2026-03-01 21:00", "ARRIVAL", "南通分拨中心", "hub", 320600, "", "", ""],
                  ["YT6700000001", "2026-03-02 10:00", "signed", "上海黄浦营业部", "outlet", 310101, "", "", ""]])
    result = import_parcels(data, "scans.xlsx", "carrier_scans", carrier.principal)
    assert result.created == 3 and not result.errors
    scans = list(Scan.objects.order_by("at").values_list("state", "carrier_code", "region", "courier_phone_masked"))
    assert scans[0] == ("accepted", "GOT", "320613", "138****1111") and scans[2][0] == "signed"


def test_a_waybill_file_atomic_and_not(carrier):
    rows = [["运单号", "下单时间", "平台统一社会信用代码", "订单号", "收件人", "收件人电话", "收件地址", "申报重量（千克）"],
            ["YT6800000001", "2026-03-01 08:00", PLATFORM_USCC, "O-1", "王小明", "13912345678", "上海市黄浦区1号", 1.5],
            ["YT6800000002", "2026-03-01 08:00", PLATFORM_USCC, "O-2", "李红", "139", "上海市", 2]]
    blocked = import_parcels(_xlsx(rows), "waybills.xlsx", "waybills", carrier.principal, atomic=True)
    assert blocked.blocked and not Waybill.objects.exists() and not ParcelBatch.objects.exists()
    assert {e["field"] for e in blocked.errors} == {"consignee_phone"}
    result = import_parcels(_xlsx(rows), "waybills.xlsx", "waybills", carrier.principal)
    assert result.created == 1 and result.rejected == 1
    assert str(Waybill.objects.get().declared_weight_kg) == "1.500"


def test_a_file_without_the_needed_columns_or_layout_is_refused(carrier):
    with pytest.raises(ValidationFailed) as refused:
        import_parcels("运单号,备注\nYT1,x\n".encode(), "x.csv", "carrier_scans", carrier.principal)
    assert refused.value.code == "missing_columns"
    with pytest.raises(ValidationFailed) as refused:
        import_parcels(b"a,b\n", "x.csv", "sf_layout", carrier.principal)
    assert refused.value.code == "unknown_layout"


def test_the_import_command(carrier, tmp_path, capsys):
    path = tmp_path / "trace.csv"
    path.write_bytes(AGGREGATOR_CSV.encode("gbk"))
    with pytest.raises(SystemExit) as exit_code:
        call_command("import-parcels", str(path), org=carrier.org.code, layout="aggregator_scans")
    assert exit_code.value.code == 1 and (tmp_path / "trace_错误报告.xlsx").exists()
    assert "新增 5" in capsys.readouterr().out


@pytest.fixture
def api(carrier) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {f.client_token(carrier.org, 'logistics_client')}")


def test_the_api_takes_batches_in_any_vocabulary(api):
    made = api.post("/api/v1/parcels/waybills", {"waybills": [waybill("YT6900000001"), {"waybill_no": "?"}],
                                                 "batch_id": "W-1"}, content_type="application/json").json()
    assert (made["status"], made["created"], made["errors"][0]["code"]) == ("partial", 1, "bad_waybill_no")
    scans = [{**s, "state": {"accepted": "GOT", "arrived": "ARRIVAL", "departed": "DEPARTURE",
                             "out_for_delivery": "SENT", "signed": "SIGNED"}[s["state"]]}
             for s in journey("YT6900000001")]
    answer = api.post("/api/v1/parcels/scans", {"scans": scans, "vocabulary": "carrier_action"},
                      content_type="application/json").json()
    assert answer["created"] == len(scans) and answer["vocabulary"] == "carrier_action"
    assert api.get(f"/api/v1/parcels/batches/{answer['batch']}").json()["created"] == len(scans)
    replay = api.post("/api/v1/parcels/waybills", {"waybills": [waybill("YT6900000001"), {"waybill_no": "?"}],
                                                   "batch_id": "W-1"}, content_type="application/json").json()
    assert replay["replayed"] and replay["batch"] == made["batch"]
    assert Waybill.objects.get().state == "signed"


def test_the_api_takes_files(api):
    response = api.post("/api/v1/parcels/files?layout=aggregator_scans",
                        {"file": io.BytesIO(AGGREGATOR_CSV.encode("gbk"))}, format="multipart")
    body = response.json()
    assert response.status_code == 200 and body["created"] == 5 and body["errors"][0]["row"] == 7


def test_the_api_refuses_bad_bodies_and_other_callers(api, carrier, platform_org):
    assert api.post("/api/v1/parcels/scans", "not json", content_type="application/json").status_code == 422
    assert api.post("/api/v1/parcels/scans", {"scans": [], "atomic": "yes"},
                    content_type="application/json").status_code == 422
    platform = Client(HTTP_AUTHORIZATION=f"Bearer {f.client_token(platform_org, 'platform_client')}")
    assert platform.post("/api/v1/parcels/waybills", {"waybills": []},
                         content_type="application/json").status_code == 403
    assert Client().post("/api/v1/parcels/waybills", {"waybills": []},
                         content_type="application/json").status_code == 401
    vocabularies = Client().get("/api/v1/parcels/vocabularies").json()
    assert {v["code"] for v in vocabularies} == {"ecredit", "aggregator", "carrier_action"}
