"""Issue 13 item 6 (exports safe to open) and issue 18 item 11 (exports for people), on
every export kind, CSV and XLSX, SQLite and PostgreSQL."""

from __future__ import annotations

import csv
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from smsconsole.services import adminlog
from smsconsole.services.exports import KINDS, ExportFilter
from smsconsole.services.packages import PackageInput
from smsconsole.store.models import (
    AdminLog,
    DeliveryStatus,
    SendRecord,
    SendTask,
    SmsType,
    TaskStatus,
)
from tests import factories as f

EVIL = "=HYPERLINK(\"http://x\")"
ACCOUNT_EVIL = "-2+3"  # not a formula in a list; a formula in a spreadsheet
CLI_EN = {
    "records": ["task_id", "user", "phone", "sign_name", "template_code", "biz_id",
                "segments", "status", "err_code", "send_time", "report_time"],
    "tasks": ["task_id", "user", "created_at", "sign_name", "template_code", "numbers",
              "delivered", "failed", "pending"],
    "stats": ["day", "total", "delivered", "failed", "pending"],
    "orders": ["order_no", "user", "package", "count", "amount_yuan", "status", "created_at",
               "paid_at"],
    "finance": ["user", "allocated_at", "type", "count", "used", "remaining", "expires_at",
                "status", "source"],
    "admin-log": ["at", "admin", "action", "target", "detail", "origin"],
}


@pytest.fixture
def evil(services):
    """Every kind has a row whose text starts like a formula, and legacy control chars."""
    svc = services
    actor = f.set_up(svc)
    pkg = svc.packages.create(actor, PackageInput(name=EVIL, message_count=100,
                                                  unit_price="0.05", validity_days=30,
                                                  price="5.00"))
    u = f.user(svc, account="acc_evil", name="@SUM(1)")
    with svc.store.session() as s:  # an account from before any rule
        from smsconsole.store.models import User

        s.get(User, u.id).account = ACCOUNT_EVIL
    svc.orders.create(u.id, pkg.id)
    f.quota(svc, actor, u.id, 50)
    now = svc.ctx.clock.now()
    with svc.store.session() as s:
        task = SendTask(user_id=u.id, created_at=now, sign_name="+签名", template_code="@SMS_1",
                        sms_type=SmsType.NOTIFICATION, numbers=2, delivered=1, failed=1,
                        status=TaskStatus.DONE if hasattr(TaskStatus, "DONE") else
                        list(TaskStatus)[-1])
        s.add(task)
        s.flush()
        s.add(SendRecord(task_id=task.id, user_id=u.id, phone="13700000001", sign_name="+签名",
                         template_code="@SMS_1", sms_type=SmsType.NOTIFICATION,
                         biz_id="123^0", status=DeliveryStatus.FAILED, err_code="=CMD|x",
                         send_time=now, report_time=now))
        s.add(SendRecord(task_id=task.id, user_id=u.id, phone="13700000002", sign_name="+签名",
                         template_code="@SMS_1", sms_type=SmsType.NOTIFICATION,
                         biz_id="123^0", status=DeliveryStatus.DELIVERED, err_code="DELIVERED",
                         send_time=now, report_time=now))
        # Stored before control characters were refused (the admin log keeps it as is).
        adminlog.record(s, svc.ctx, actor, "package.create", target_type="package",
                        target="bell\x07esc\x1b[0m\ttab", detail="\tdetail")
    return svc


def _csv(path):
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def _xlsx(path):
    wb = load_workbook(path)  # not read-only: cell types and number formats
    ws = wb.worksheets[0]
    return [[c for c in row] for row in ws.iter_rows()]


def _all_text(rows):
    return [c for row in rows for c in row if isinstance(c, str)]


def test_csv_cells_never_start_like_a_formula(evil, tmp_path):
    seen = set()
    for kind in KINDS:
        for lang in ("en", "zh"):
            out = tmp_path / f"{kind}-{lang}.csv"
            evil.exports.export(kind, out, "csv", ExportFilter(), lang=lang)
            rows = _csv(out)
            for cell in _all_text(rows[1:]):
                assert not cell or cell[0] not in "=+-@\t\r", (kind, lang, cell)
                if cell.startswith("'"):
                    seen.add(cell[1:])
    # The neutralised cells keep their text exactly, after the quote.
    assert {EVIL, ACCOUNT_EVIL, "+签名", "@SMS_1", "=CMD|x"} <= seen
    assert "\tdetail" in seen


def test_xlsx_holds_text_never_formulas_and_no_illegal_characters(evil, tmp_path):
    for kind in KINDS:
        out = tmp_path / f"{kind}.xlsx"
        evil.exports.export(kind, out, "xlsx", ExportFilter(), lang="en")
        rows = _xlsx(out)
        assert len(rows) >= 2, kind
        for row in rows:
            for c in row:
                assert c.data_type != "f", (kind, c.value)
    texts = {c.value for row in _xlsx(tmp_path / "orders.xlsx") for c in row}
    assert EVIL in texts and ACCOUNT_EVIL in texts  # exact, as text
    log = {c.value for row in _xlsx(tmp_path / "admin-log.xlsx") for c in row}
    assert "bellesc[0m\ttab" in log  # BEL and ESC removed, the tab kept


def test_english_csv_keeps_the_columns_and_raw_values_scripts_rely_on(evil, tmp_path):
    for kind in KINDS:
        out = tmp_path / f"{kind}.csv"
        evil.exports.export(kind, out, "csv", ExportFilter(), lang="en")
        header = _csv(out)[0]
        assert header[:len(CLI_EN[kind])] == CLI_EN[kind], kind
    records = _csv(tmp_path / "records.csv")[1:]
    assert {r[7] for r in records} == {"failed", "delivered"}
    orders = _csv(tmp_path / "orders.csv")[1:]
    assert [(r[4], r[5]) for r in orders] == [("5.00", "unpaid")]


def test_xlsx_and_chinese_csv_are_for_people(evil, tmp_path):
    svc = evil
    # XLSX (English): labels, words, numbers, dates.
    svc.exports.export("orders", tmp_path / "o.xlsx", "xlsx", ExportFilter(), lang="en")
    head, row = _xlsx(tmp_path / "o.xlsx")[:2]
    labels = [c.value for c in head]
    assert "Amount (yuan)" in labels and "order_no" not in labels
    amount = row[labels.index("Amount (yuan)")]
    assert amount.data_type == "n" and Decimal(str(amount.value)) == Decimal("5.00")
    assert amount.number_format == "#,##0.00"
    assert row[labels.index("Status")].value == "Unpaid"
    created = row[labels.index("Created at")]
    assert isinstance(created.value, datetime) and created.is_date
    svc.exports.export("stats", tmp_path / "s.xlsx", "xlsx", ExportFilter(), lang="zh")
    rows = _xlsx(tmp_path / "s.xlsx")
    labels = [c.value for c in rows[0]]
    assert "计费条数" in labels
    today = [r for r in rows[1:] if r[0].value.date() == svc.ctx.clock.today()]
    assert isinstance(rows[1][0].value, (date, datetime)) and rows[1][0].is_date
    units = today[0][labels.index("计费条数")]
    assert units.data_type == "n" and isinstance(units.value, int)
    # The admin log in words, in both languages.
    svc.exports.export("admin-log", tmp_path / "a.csv", "csv", ExportFilter(), lang="zh")
    actions = {r[2] for r in _csv(tmp_path / "a.csv")[1:]}
    assert "系统初始化" in actions and "system.setup" not in actions
    svc.exports.export("admin-log", tmp_path / "a.xlsx", "xlsx", ExportFilter(), lang="en")
    actions = {r[2].value for r in _xlsx(tmp_path / "a.xlsx")[1:]}
    assert "System set up" in actions
    # Chinese CSV: statuses and types translated, amounts still text with 2 decimals.
    svc.exports.export("records", tmp_path / "r.csv", "csv", ExportFilter(), lang="zh")
    assert {r[7] for r in _csv(tmp_path / "r.csv")[1:]} == {"发送成功", "发送失败"}
    svc.exports.export("finance", tmp_path / "f.csv", "csv", ExportFilter(), lang="zh")
    fin = _csv(tmp_path / "f.csv")[1:]
    assert {(r[2], r[7], r[8]) for r in fin} == {("通知", "正常", "管理员分配")}
    # The stats export has its units column in every format.
    svc.exports.export("stats", tmp_path / "s.csv", "csv", ExportFilter(), lang="en")
    stats = _csv(tmp_path / "s.csv")
    assert stats[0][5] == "segments"
    with svc.store.read() as s:
        assert s.scalar(select(AdminLog).limit(1)) is not None
