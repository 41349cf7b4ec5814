"""Exports (cli.md, issue 7): every kind in CSV (with a BOM) and XLSX, read back and
compared row by row with what the services say; headers exactly as cli.md in English and
in Chinese; filters applied; no secret ever in a file; ``smsconsole export`` from a
subprocess; memory flat however many rows (measured, not timed). On SQLite and
PostgreSQL.

The data is the data pages' dataset (two weeks of real sends through the SDK, the
sandbox and the report worker, orders paid through the sandbox's Alipay).
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from smsconsole.clock import FixedClock, last_valid_day
from smsconsole.services.adminlog import AdminLogFilter
from smsconsole.services.exports import COLUMNS, ExportFilter
from smsconsole.services.holdings import FinanceFilter
from smsconsole.services.orders import OrderFilter
from smsconsole.services.records import RecordFilter, TaskFilter
from smsconsole.services.validation import yuan
from smsconsole.store.models import HoldingSource
from tests.conftest import (
    create_migrated_pg_database,
    create_pg_database,
    drop_pg_database,
    make_services,
)
from tests.seeds import traffic as dataset

# cli.md, "Export columns are stable for scripts" — written out here, not imported.
CLI_COLUMNS = {
    "records": "task_id, user, phone, sign_name, template_code, biz_id, segments, status, "
               "err_code, send_time, report_time",
    "tasks": "task_id, user, created_at, sign_name, template_code, numbers, delivered, "
             "failed, pending",
    "stats": "day, total, delivered, failed, pending",
    "orders": "order_no, user, package, count, amount_yuan, status, created_at, paid_at",
    "finance": "user, allocated_at, type, count, used, remaining, expires_at, status, source",
    "admin-log": "at, admin, action, target, detail, origin",
}
ZH_SAMPLE = {"orders": ["订单号", "用户", "短信包"], "records": ["任务ID", "用户", "手机号"],
             "admin-log": ["时间", "管理员", "操作"], "stats": ["日期", "总量", "成功"]}
KINDS = list(CLI_COLUMNS)


@pytest.fixture(scope="session")
def export_pg_seed(pg_server, tmp_path_factory):
    """The dataset built once per worker into a PostgreSQL database of its own, on a
    sandbox of its own (each test gets a copy: ``esvc``)."""
    from smsconsole.cloud.sandbox.server import Sandbox

    box = Sandbox(tmp_path_factory.mktemp("export-pg-cloud"),
                  config=dict(dataset.SANDBOX_CONFIG))
    box.start()
    url = create_migrated_pg_database()
    directory = tmp_path_factory.mktemp("export-pg-seed")
    svc = make_services(url, directory, FixedClock(dataset.NOW), box)
    try:
        data = dataset.build(svc, box.endpoints)
    finally:
        svc.close()
    yield url, data, box
    box.stop()
    drop_pg_database(url)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def esvc(request, tmp_path):
    """Services on a copy of the data pages' dataset (``tests/app_fixtures.py``; built
    once per worker, on SQLite and on PostgreSQL), with ``.data``, ``.url`` (for the
    command) and ``.box`` (the sandbox it was sent through)."""
    if request.param == "sqlite":
        seeded_db, data = request.getfixturevalue("pages_template")
        box = request.getfixturevalue("pages_sandbox")
        path = tmp_path / "smsconsole.db"
        shutil.copyfile(seeded_db, path)
        url = f"sqlite:///{path}"
    else:
        seed_url, data, box = request.getfixturevalue("export_pg_seed")
        url = create_pg_database(template=seed_url.rsplit("/", 1)[1])
    svc = make_services(url, tmp_path, FixedClock(dataset.NOW), box)
    svc.data, svc.url, svc.box = data, url, box
    yield svc
    svc.close()
    if request.param == "postgres":
        drop_pg_database(url)


# --- what the database holds, through the services ----------------------------------------

def _time(svc, value) -> str:
    return "" if value is None else value.astimezone(svc.ctx.clock.tz).strftime(
        "%Y-%m-%d %H:%M:%S")


def expected(svc, kind: str, first=None, last=None) -> list[list[str]]:
    """Every row the export of ``kind`` must hold, newest first, as text."""
    if kind == "orders":
        rows = [[r.order_no, r.account, r.package_name, r.count, yuan(r.amount_fen),
                 r.status.value, _time(svc, r.created_at), _time(svc, r.paid_at)]
                for r in svc.orders.stream(OrderFilter(first=first, last=last))]
    elif kind == "finance":
        rows = [[r.account, _time(svc, r.allocated_at), r.sms_type.value, r.total, r.used,
                 r.remaining, last_valid_day(r.expires_at, svc.ctx.clock.tz).isoformat(),
                 r.status.value,
                 r.order_no if r.source == HoldingSource.ORDER else "admin"]
                for r in svc.holdings.finance_stream(FinanceFilter(first=first, last=last))]
    elif kind == "tasks":
        rows = [[r.id, r.account, _time(svc, r.created_at), r.sign_name, r.template_code,
                 r.numbers, r.delivered, r.failed, r.pending]
                for r in svc.records.task_stream(TaskFilter(first=first, last=last))]
    elif kind == "records":
        rows = [[r.task_id, r.account, r.phone, r.sign_name, r.template_code, r.biz_id or "",
                 r.segments, r.status.value, r.err_code, _time(svc, r.send_time),
                 _time(svc, r.report_time)]
                for r in svc.records.record_stream(RecordFilter(first=first, last=last))]
    elif kind == "stats":
        last = last or svc.ctx.clock.today()
        first = first or last - timedelta(days=29)
        rows = [[r.day.isoformat(), r.total, r.delivered, r.failed, r.pending, r.segments]
                for r in reversed(svc.stats.daily(first, last))]
    else:
        rows, cursor = [], None
        while True:
            page = svc.adminlog.page(AdminLogFilter(first=first, last=last), cursor, 500)
            rows += [[_time(svc, e.at), e.admin_name, e.action, e.target, e.detail, e.origin]
                     for e in page.rows]
            if not page.has_next:
                break
            cursor = page.last
    return [[str(v) for v in row] for row in rows]


# What people see instead of the raw values (XLSX, and the Chinese CSV): columns in words.
WORDS = {"records": {7: "enum.delivery_status"}, "orders": {5: "enum.order_status"},
         "finance": {2: "enum.sms_type", 7: "enum.holding_status"}}


def for_people(kind: str, rows: list[list[str]], lang: str, xlsx: bool) -> list[list[str]]:
    from smsconsole.i18n import load_catalog, t

    catalog = load_catalog()
    out = []
    for row in rows:
        row = list(row)
        for i, prefix in WORDS.get(kind, {}).items():
            row[i] = t(f"{prefix}.{row[i]}", lang)
        if kind == "admin-log" and f"adminlog.action.{row[2]}" in catalog:
            row[2] = t(f"adminlog.action.{row[2]}", lang)
        if kind == "finance" and row[8] == "admin":
            row[8] = t("enum.holding_source.admin", lang)
        if kind == "orders" and xlsx:
            amount = Decimal(row[4])  # a number: read back as an int or a float
            row[4] = str(int(amount)) if amount == amount.to_integral() else str(float(amount))
        if kind == "stats" and xlsx:
            row[0] += " 00:00:00"  # a date cell (read back as a datetime)
        if kind == "finance" and xlsx and row[6]:
            row[6] += " 00:00:00"  # the last valid day, a date cell too
        out.append(row)
    return out


def read_back(path: Path, fmt: str) -> list[list[str]]:
    if fmt == "csv":
        raw = path.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf"), "CSV must start with a UTF-8 BOM"
        with path.open(encoding="utf-8-sig", newline="") as fh:
            return [list(row) for row in csv.reader(fh)]
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True)
    try:
        rows = [["" if v is None else str(v) for v in row]
                for row in wb.worksheets[0].iter_rows(values_only=True)]
        width = len(rows[0]) if rows else 0  # an empty time is an empty cell
        return [row + [""] * (width - len(row)) for row in rows]
    finally:
        wb.close()


# --- every kind, both formats, both header languages ---------------------------------------

def test_every_kind_in_csv_and_xlsx_equals_the_database(esvc, tmp_path):
    for kind in KINDS:
        want = expected(esvc, kind)
        assert want, f"the dataset has no {kind}"
        for fmt, lang in (("csv", "en"), ("xlsx", "en"), ("csv", "zh"), ("xlsx", "zh")):
            out = tmp_path / f"{kind}-{lang}.{fmt}"
            result = esvc.exports.export(kind, out, fmt, ExportFilter(), lang=lang)
            assert result.path == out and result.rows == len(want) and result.format == fmt
            rows = read_back(out, fmt)
            header, body = rows[0], rows[1:]
            if lang == "en" and fmt == "csv":
                assert header[:len(CLI_COLUMNS[kind].split(", "))] == \
                    CLI_COLUMNS[kind].split(", "), (kind, fmt)
            elif lang == "en":
                assert len(header) == len(COLUMNS[kind]) and "_" not in "".join(header)
            else:
                assert len(header) == len(COLUMNS[kind])
                assert header[:3] == ZH_SAMPLE.get(kind, header[:3])
                assert all(any("\u4e00" <= ch <= "\u9fff" for ch in h) for h in header), header
            people = want if (lang, fmt) == ("en", "csv") else \
                for_people(kind, want, lang, fmt == "xlsx")
            assert body == people, (kind, fmt, lang)


def test_dataset_covers_what_the_columns_show(esvc):
    records = expected(esvc, "records")
    statuses = {r[7] for r in records}
    assert statuses == {"delivered", "failed", "pending"}
    assert any(r[8] not in ("", "DELIVERED") for r in records)  # carrier error codes
    orders = {r[5] for r in expected(esvc, "orders")}
    assert orders == {"unpaid", "paid", "void"}
    finance = {r[8] for r in expected(esvc, "finance")}
    assert "admin" in finance and any(s.isdigit() for s in finance)  # an order number


def test_filters_are_applied(esvc, tmp_path):
    svc, data = esvc, esvc.data
    day = data.spike_day
    out = tmp_path / "failed.csv"
    svc.exports.export("records", out, "csv", ExportFilter(first=day, last=day,
                                                           status="failed"))
    body = read_back(out, "csv")[1:]
    want = [r for r in expected(svc, "records", day, day) if r[7] == "failed"]
    assert body == want and len(body) >= 10
    phone = data.phones[3]
    svc.exports.export("records", out, "csv", ExportFilter(phone=phone))
    assert {r[2] for r in read_back(out, "csv")[1:]} == {phone}
    acme = data.user_ids[0]
    svc.exports.export("orders", out, "csv", ExportFilter(user_id=acme, status="unpaid"))
    body = read_back(out, "csv")[1:]
    assert body and {(r[1], r[5]) for r in body} == {("acme", "unpaid")}
    svc.exports.export("finance", out, "csv", ExportFilter(extra={"source": "order"}))
    assert [r[8] for r in read_back(out, "csv")[1:]] == [
        svc.orders.row(data.orders["paid"]).order_no]
    first, last = dataset.TODAY - timedelta(days=6), dataset.TODAY
    svc.exports.export("stats", out, "csv", ExportFilter(first=first, last=last))
    assert read_back(out, "csv")[1:] == expected(svc, "stats", first, last)
    svc.exports.export("admin-log", out, "csv", ExportFilter(action="order.price"))
    body = read_back(out, "csv")[1:]
    assert len(body) == 1 and body[0][2] == "order.price" and "88.00" in body[0][4]
    svc.exports.export("tasks", out, "csv", ExportFilter(first=day, last=day))
    assert read_back(out, "csv")[1:] == expected(svc, "tasks", day, day)


def test_no_secret_in_any_file(esvc, tmp_path):
    endpoints = esvc.box.endpoints
    key_pem = Path(endpoints.alipay_app_private_key_file).read_text()
    key_body = "".join(line for line in key_pem.splitlines() if "-----" not in line)
    secrets = [endpoints.access_key_secret, key_body[:40], key_body[-40:], "PRIVATE KEY"]
    for kind in KINDS:
        for fmt in ("csv", "xlsx"):
            out = tmp_path / f"{kind}.{fmt}"
            esvc.exports.export(kind, out, fmt, ExportFilter())
            if fmt == "csv":
                text = out.read_text(encoding="utf-8-sig")
            else:
                text = "\n".join(",".join(row) for row in read_back(out, fmt))
            for secret in secrets:
                assert secret not in text, f"{kind}.{fmt} holds a secret"


def test_cancelled_export_leaves_no_file(esvc, tmp_path):
    out = tmp_path / "never.csv"
    result = esvc.exports.export("records", out, "csv", ExportFilter(),
                                 cancelled=lambda: True)
    assert not out.exists() and not list(tmp_path.glob(".never*"))
    assert result.path == out


# --- the command ----------------------------------------------------------------------------

def _cli_env(data_dir: Path) -> dict:
    env = dict(os.environ)
    env.pop("NO_COLOR", None)
    env["SMSCONSOLE_DATA_DIR"] = str(data_dir)
    return env


def test_cli_export_writes_the_file_and_prints_its_path(esvc, tmp_path):
    db_url = esvc.url
    for kind, fmt in (("orders", "csv"), ("records", "xlsx"), ("admin-log", "csv")):
        out = tmp_path / "cli" / f"{kind}.{fmt}"
        out.parent.mkdir(exist_ok=True)
        proc = subprocess.run(
            [sys.executable, "-m", "smsconsole", "--db", db_url, "--lang", "en", "export",
             kind, "--out", str(out)],
            capture_output=True, text=True, timeout=120, env=_cli_env(tmp_path))
        assert proc.returncode == 0, proc.stderr
        assert str(out.resolve()) in proc.stdout
        rows = read_back(out, fmt)
        if fmt == "csv":
            assert rows[0] == CLI_COLUMNS[kind].split(", ")
            assert rows[1:] == expected(esvc, kind)
        else:
            assert rows[1:] == for_people(kind, expected(esvc, kind), "en", True)  # no date window: the real clock is moot
    bad = subprocess.run(
        [sys.executable, "-m", "smsconsole", "--db", db_url, "export", "orders", "--out",
         str(tmp_path / "no" / "such" / "dir" / "x.csv")],
        capture_output=True, text=True, timeout=120, env=_cli_env(tmp_path))
    assert bad.returncode == 1 and "Traceback" not in bad.stderr and bad.stderr.strip()


# --- memory stays flat --------------------------------------------------------------------

RSS_SCRIPT = """
import resource, sys, tracemalloc
from smsconsole.cli import main
from smsconsole.services import exports
export = exports.ExportService.export

def traced(self, *args, **kwargs):
    # The Python heap of the export alone (imports and migrations excluded).
    tracemalloc.start()
    try:
        return export(self, *args, **kwargs)
    finally:
        print("HEAP", tracemalloc.get_traced_memory()[1] // 1024, file=sys.stderr)
        tracemalloc.stop()

exports.ExportService.export = traced
code = main(sys.argv[1:])
# VmHWM, this program's own peak: getrusage's maxrss survives fork+exec, so it would
# report the pytest process that spawned us (bigger after each bulk insert) instead.
hwm = next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print("MAXRSS", hwm, file=sys.stderr)
sys.exit(code)
"""
SQLITE_PAGE_CACHE_MIB = 64  # store/engine.py: PRAGMA cache_size=-65536


def _bulk_records(svc, task_id: int, user_id: int, start: int, n: int) -> None:
    from sqlalchemy import insert

    from smsconsole.store.models import DeliveryStatus, SendRecord, SmsType

    now = svc.ctx.clock.now() - timedelta(days=1)
    rows = [dict(task_id=task_id, user_id=user_id, phone=f"136{(start + i):08d}",
                 sign_name="速达科技", template_code="SMS_100000004",
                 sms_type=SmsType.NOTIFICATION, segments=1, biz_id=f"bulk{start + i}^0",
                 status=DeliveryStatus.DELIVERED if i % 9 else DeliveryStatus.FAILED,
                 err_code="DELIVERED" if i % 9 else "MK:0001", err_msg="",
                 send_time=now - timedelta(seconds=start + i), report_time=now)
            for i in range(n)]
    with svc.store.session() as s:
        for chunk in range(0, n, 5000):
            s.execute(insert(SendRecord), rows[chunk:chunk + 5000])


def _record_count(svc) -> int:
    from sqlalchemy import func, select

    from smsconsole.store.models import SendRecord

    with svc.store.read() as s:
        return s.scalar(select(func.count()).select_from(SendRecord))


def _measure(svc, db_url: str, out: Path, data_dir: Path) -> tuple[int, int]:
    """(peak RSS, peak Python heap of the export) in KiB of ``smsconsole export records``
    in a subprocess, the database checkpointed and our connections closed first."""
    svc.store.engine.dispose()
    svc.store.read_engine.dispose()
    if db_url.startswith("sqlite"):
        import sqlite3

        with sqlite3.connect(db_url.removeprefix("sqlite:///")) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    proc = subprocess.run([sys.executable, "-c", RSS_SCRIPT, "--db", db_url, "export",
                           "records", "--out", str(out)],
                          capture_output=True, text=True, timeout=300, env=_cli_env(data_dir))
    assert proc.returncode == 0, proc.stderr
    return (int(proc.stderr.split("MAXRSS")[1].split()[0]),
            int(proc.stderr.split("HEAP")[1].split()[0]))


@pytest.mark.slow
def test_memory_stays_flat_for_a_larger_export(esvc, tmp_path):
    """An export subprocess at 5k and at 50k records: its Python heap does not grow
    (holding the rows would take ~1 KiB each, ~45 MiB more; remembering each distinct
    value of a column, 5.5 MiB more here: one BizId per row), nor does its peak RSS —
    beyond, on SQLite, the page cache the store configures (bounded, 64 MiB)."""
    db_url = esvc.url
    task = esvc.data.tasks[0]
    user = esvc.data.user_ids[0]
    _bulk_records(esvc, task, user, 0, 5_000)
    small_rss, small_heap = _measure(esvc, db_url, tmp_path / "small.csv", tmp_path)
    _bulk_records(esvc, task, user, 5_000, 45_000)
    large_rss, large_heap = _measure(esvc, db_url, tmp_path / "large.csv", tmp_path)
    with (tmp_path / "large.csv").open(encoding="utf-8-sig", newline="") as fh:
        lines = sum(1 for _ in csv.reader(fh))
    assert lines == 1 + _record_count(esvc) and lines > 50_000
    heap_growth = (large_heap - small_heap) / 1024
    rss_growth = (large_rss - small_rss) / 1024
    # 3 MiB: a memo of every distinct BizId (one per row here) took 5.5 MiB more.
    assert heap_growth < 3, f"the export's heap grew {heap_growth:.1f} MiB (5k → 50k rows)"
    sqlite = db_url.startswith("sqlite")
    allowed = 20 + (SQLITE_PAGE_CACHE_MIB if sqlite else 0)
    assert rss_growth < allowed, f"peak RSS grew {rss_growth:.1f} MiB (5k → 50k rows)"

