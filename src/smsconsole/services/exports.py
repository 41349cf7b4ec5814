"""Exports: orders, finance, tasks, records, stats and the admin log to CSV or XLSX.

Streamed: rows come from one server-side cursor in batches and go straight to the file,
so memory stays flat however many rows (CSV is UTF-8 with a BOM so Excel shows Chinese;
XLSX uses openpyxl's write-only mode). Columns are the stable names of cli.md (English
headers with ``lang="en"``, the same columns with Chinese headers with ``lang="zh"``).
Secrets are never exported: no kind has a secret column.

Two renderings (issue 18 item 11): the English CSV is for scripts (cli.md's columns and
raw values, exactly); XLSX (either language) and the Chinese CSV are for people: header
labels, statuses, types and admin-log actions in words, and in XLSX amounts as numbers
(yuan, 2 decimals), times and days as dates. Both are safe to open (issue 13 item 6): a
CSV cell starting with ``= + - @``, tab or CR gets a leading ``'`` (OWASP's rule); an
XLSX cell is always stored as text (never a formula) without the control characters
XLSX cannot hold; everything else is exact.
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from smsconsole.clock import last_valid_day
from smsconsole.i18n import enum_label, load_catalog, t
from smsconsole.services import validation as v
from smsconsole.services.adminlog import AdminLogFilter, AdminLogService
from smsconsole.services.context import Context
from smsconsole.services.errors import Invalid, NotFound
from smsconsole.services.holdings import FinanceFilter, HoldingService
from smsconsole.services.orders import OrderFilter, OrderService
from smsconsole.services.records import RecordFilter, RecordService, TaskFilter
from smsconsole.services.stats import StatsFilter, StatsService
from smsconsole.store.fastsql import Driver
from smsconsole.store.models import (
    AdminLog,
    DeliveryStatus,
    Holding,
    HoldingSource,
    HoldingStatus,
    Order,
    OrderStatus,
    SendRecord,
    SendTask,
    SmsType,
    User,
)
from smsconsole.store.private_files import private_file

KINDS = ("orders", "finance", "tasks", "records", "stats", "admin-log")

COLUMNS: dict[str, list[str]] = {
    "records": ["task_id", "user", "phone", "sign_name", "template_code", "biz_id", "segments",
                "status", "err_code", "send_time", "report_time"],
    "tasks": ["task_id", "user", "created_at", "sign_name", "template_code", "numbers",
              "delivered", "failed", "pending"],
    "stats": ["day", "total", "delivered", "failed", "pending", "segments"],
    "orders": ["order_no", "user", "package", "count", "amount_yuan", "status", "created_at",
               "paid_at"],
    "finance": ["user", "allocated_at", "type", "count", "used", "remaining", "expires_at",
                "status", "source"],
    "admin-log": ["at", "admin", "action", "target", "detail", "origin"],
}

ZH_HEADERS = {
    "task_id": "任务ID", "user": "用户", "phone": "手机号", "sign_name": "签名",
    "template_code": "模板CODE", "biz_id": "回执ID", "segments": "计费条数", "status": "状态",
    "err_code": "错误码", "send_time": "发送时间", "report_time": "回执时间",
    "created_at": "创建时间", "numbers": "号码数", "delivered": "成功", "failed": "失败",
    "pending": "等待回执", "day": "日期", "total": "总量", "order_no": "订单号",
    "package": "短信包", "count": "条数", "amount_yuan": "金额(元)", "paid_at": "支付时间",
    "allocated_at": "分配时间", "type": "类型", "used": "已使用", "remaining": "余量",
    "expires_at": "有效期至", "source": "来源", "at": "时间", "admin": "管理员",
    "action": "操作", "target": "对象", "detail": "详情", "origin": "来源地址",
}

# Headers for people (XLSX in English); Chinese ones are ZH_HEADERS.
EN_HEADERS = {
    "task_id": "Task ID", "user": "User", "phone": "Phone", "sign_name": "Signature",
    "template_code": "Template CODE", "biz_id": "BizId", "segments": "Units (segments)",
    "status": "Status", "err_code": "Error code", "send_time": "Sent at",
    "report_time": "Reported at", "created_at": "Created at", "numbers": "Numbers",
    "delivered": "Delivered", "failed": "Failed", "pending": "Awaiting report", "day": "Day",
    "total": "Total", "order_no": "Order no.", "package": "Package", "count": "Messages",
    "amount_yuan": "Amount (yuan)", "paid_at": "Paid at", "allocated_at": "Allocated at",
    "type": "Type", "used": "Used", "remaining": "Remaining", "expires_at": "Valid until",
    "source": "Source", "at": "Time", "admin": "Admin", "action": "Action",
    "target": "Target", "detail": "Detail", "origin": "Origin",
}
ZH_HEADERS["segments"] = "计费条数"
TIME_COLUMNS = {"send_time", "report_time", "created_at", "paid_at", "allocated_at", "at"}
# Whole days (an expiry is its last valid day, clock.last_valid_day).
DAY_COLUMNS = {"day", "expires_at"}
# Columns whose raw value is an enum member's value, shown in words for people.
ENUM_COLUMNS = {
    ("records", "status"): DeliveryStatus, ("orders", "status"): OrderStatus,
    ("finance", "status"): HoldingStatus, ("finance", "type"): SmsType,
}
# Columns that can hold text someone typed (or the cloud sent): the CSV formula guard
# looks at these only (the others are numbers, times, enum values, digits).
TEXT_COLUMNS = {
    "records": ["user", "sign_name", "template_code", "biz_id", "err_code"],
    "tasks": ["user", "sign_name", "template_code"],
    "stats": [],
    "orders": ["order_no", "user", "package"],
    "finance": ["user", "source"],
    "admin-log": ["admin", "action", "target", "detail", "origin"],
}

_FORMULA_START = frozenset("=+-@\t\r")
# What an XLSX cell cannot hold (openpyxl's ILLEGAL_CHARACTERS_RE, plus lone surrogates).
_XLSX_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")


def csv_safe(value):
    """OWASP CSV injection rule: text starting with ``= + - @``, tab or CR gets a ``'``
    in front, so a spreadsheet shows it instead of evaluating it."""
    if value.__class__ is str and value and value[0] in _FORMULA_START:
        return "'" + value
    return value


def xlsx_text(value: str) -> str:
    """Text an XLSX cell can hold: the control characters it cannot store removed."""
    return value if value.isprintable() else _XLSX_ILLEGAL.sub("", value)


class _Memo(dict):
    """``csv_safe`` once per distinct value (a column of few values, many rows). Bounded:
    a column of many values (BizIds: one per call) would otherwise keep them all, and an
    export's memory would grow with its rows (~25 MiB per million records)."""

    LIMIT = 4096

    def __missing__(self, key):
        if len(self) >= self.LIMIT:
            self.clear()
        value = self[key] = csv_safe(key)
        return value


BATCH = 5000


@dataclass(frozen=True)
class StatsExport:
    """The statistics export: a day range and the statistics filter."""

    first: date | None = None
    last: date | None = None
    flt: object = None  # services.stats.StatsFilter


@dataclass
class ExportFilter:
    """The command line's flat options (``smsconsole export``); ``for_kind`` turns them
    into the filter the matching list uses, so an export applies exactly the filters a
    list does."""

    first: date | None = None
    last: date | None = None
    user_id: int | None = None
    status: str | None = None
    phone: str = ""
    template_code: str = ""
    sign_name: str = ""
    sms_type: str | None = None
    action: str = ""
    extra: dict = field(default_factory=dict)

    def for_kind(self, kind: str):
        v.date_order(self.first, self.last, "to")
        if kind == "records":
            return RecordFilter(user_id=self.user_id, first=self.first, last=self.last,
                                status=_enum(self.status, DeliveryStatus, "status"),
                                phone=self.phone, template_code=self.template_code,
                                sign_name=self.sign_name)
        if kind == "tasks":
            return TaskFilter(user_id=self.user_id, first=self.first, last=self.last,
                              template_code=self.template_code)
        if kind == "orders":
            return OrderFilter(first=self.first, last=self.last, user_id=self.user_id,
                               status=_enum(self.status, OrderStatus, "status"),
                               order_no=self.extra.get("order_no", ""))
        if kind == "finance":
            return FinanceFilter(user_id=self.user_id, first=self.first, last=self.last,
                                 sms_type=_enum(self.sms_type, SmsType, "type"),
                                 status=_enum(self.status, HoldingStatus, "status"),
                                 source=_enum(self.extra.get("source"), HoldingSource, "source"))
        if kind == "admin-log":
            return AdminLogFilter(first=self.first, last=self.last, action=self.action)
        if kind == "stats":
            return StatsExport(self.first, self.last, StatsFilter(
                user_id=self.user_id, sign_name=self.sign_name,
                sms_type=_enum(self.sms_type, SmsType, "type"),
                template_code=self.template_code))
        raise Invalid("error.export.kind", "kind", kind=kind)


def _enum(value, enum, field_name):
    return v.one_of(value, enum, field_name) if value else None


@dataclass(frozen=True)
class ExportResult:
    path: Path
    rows: int
    format: str


def _val(x):
    return x.value if hasattr(x, "value") else x


_HOUR, _MINUTE, _TICK = timedelta(hours=1), timedelta(minutes=1), timedelta(microseconds=1)


def _fast_time(tz):
    """``ExportService._fmt_time`` for stored values as the driver returns them (SQLite:
    naive-UTC text ``YYYY-MM-DD HH:MM:SS[.ffffff]``; PostgreSQL: aware datetimes), for
    millions of rows. The local ``YYYY-MM-DD HH`` is computed once per UTC hour and the
    minutes and seconds copied, when the zone's offset is whole hours and the same all
    hour (Asia/Shanghai); else the local ``YYYY-MM-DD HH:MM`` once per UTC minute, when
    the offset is whole minutes and the same all minute; else the full conversion."""
    hours: dict = {}
    minutes: dict = {}

    def full(moment: datetime) -> str:
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")

    def steady(start: datetime, span: timedelta, unit: int):
        """The local text of ``start`` to the hour (unit 3600) or minute (60), or False
        when the offset is not a whole number of units or changes within ``span``."""
        local = start.astimezone(tz)
        off = local.utcoffset()
        if off is None or off.microseconds or (off.days * 86400 + off.seconds) % unit or \
                (start + span - _TICK).astimezone(tz).utcoffset() != off:
            return False
        return local.strftime("%Y-%m-%d %H" if unit == 3600 else "%Y-%m-%d %H:%M")

    def slow(value) -> str:
        if value is None:
            return ""
        if isinstance(value, str):
            if len(value) in (19, 26) and value[10] == " " and value[13] == ":" and \
                    value[16] == ":" and (len(value) == 19 or value[19] == "."):
                try:
                    key = value[:13]
                    head = hours.get(key)
                    if head is None:
                        head = hours[key] = steady(
                            datetime.fromisoformat(key + ":00").replace(tzinfo=UTC), _HOUR, 3600)
                    if head:
                        return head + value[13:19]
                    key = value[:16]
                    head = minutes.get(key)
                    if head is None:
                        head = minutes[key] = steady(
                            datetime.fromisoformat(key).replace(tzinfo=UTC), _MINUTE, 60)
                    if head:
                        return head + value[16:19]
                except ValueError:
                    pass
            return full(datetime.fromisoformat(value))
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        own = value.utcoffset()
        if own.seconds % 60 or own.microseconds:
            return full(value)
        stamp = value.timestamp()  # fold-safe keys: the UTC hour and minute
        key = int(stamp // 3600)
        head = hours.get(key)
        if head is None:
            head = hours[key] = steady(datetime.fromtimestamp(key * 3600, UTC), _HOUR, 3600)
        if head and not (own.days * 86400 + own.seconds) % 3600:
            return f"{head}:{value.minute:02d}:{value.second:02d}"
        key = int(stamp // 60)
        head = minutes.get(key)
        if head is None:
            head = minutes[key] = steady(datetime.fromtimestamp(key * 60, UTC), _MINUTE, 60)
        if head:
            return f"{head}:{value.second:02d}"
        return full(value)

    def fmt(value) -> str:
        # SQLite's stored form, an hour (or minute) seen before; only ``slow`` fills the
        # caches, after checking the form
        if value.__class__ is str and len(value) == 26 and value[19] == ".":
            head = hours.get(value[:13])
            if head:
                return head + value[13:19]
            head = minutes.get(value[:16])
            if head:
                return head + value[16:19]
        return slow(value)

    return fmt


class ExportService:
    """Streams a list's rows to a file. ``flt`` is the list's own filter (RecordFilter,
    TaskFilter, OrderFilter, FinanceFilter, AdminLogFilter, or StatsExport)."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def _fmt_time(self, value: datetime | None) -> str:
        if value is None:
            return ""
        return value.astimezone(self.ctx.clock.tz).strftime("%Y-%m-%d %H:%M:%S")

    @staticmethod
    def _stream(s, stmt):
        return s.execute(stmt.execution_options(yield_per=BATCH))

    def _accounts(self, s) -> dict[int, str]:
        return dict(s.execute(select(User.id, User.account)).all())

    # --- rows per kind (each a generator of lists, newest first) -----------------------

    def _records(self, s, flt) -> Iterator[list]:
        """Millions of rows: the list's own filter, read straight from the driver
        (``Driver.stream``: stored values, no Row objects), times formatted through a
        per-minute cache (``_fast_time``) — the same text as ``_fmt_time``."""
        where = RecordService(self.ctx).record_stmt(flt).whereclause
        r = SendRecord.__table__.c
        stmt = select(r.task_id, r.user_id, r.phone, r.sign_name, r.template_code, r.biz_id,
                      r.segments, r.status, r.err_code, r.send_time, r.report_time)
        if where is not None:
            stmt = stmt.where(where)
        stmt = stmt.order_by(r.send_time.desc(), r.id.desc())
        names, fmt = self._accounts(s), _fast_time(self.ctx.clock.tz)
        get = names.get
        for part in Driver(s).stream(stmt, BATCH):
            for (task_id, user_id, phone, sign, code, biz, segments, status, err, sent,
                 reported) in part:
                yield [task_id, get(user_id, ""), phone, sign, code, biz or "", segments,
                       status, err, fmt(sent), fmt(reported)]

    def _tasks(self, s, flt) -> Iterator[list]:
        stmt = RecordService(self.ctx).task_stmt(flt).order_by(
            SendTask.created_at.desc(), SendTask.id.desc())
        names = self._accounts(s)
        for r in self._stream(s, stmt):
            yield [r.id, names.get(r.user_id, ""), self._fmt_time(r.created_at), r.sign_name,
                   r.template_code, r.numbers, r.delivered, r.failed,
                   r.numbers - r.delivered - r.failed]

    def _stats(self, s, spec: StatsExport) -> Iterator[list]:
        last = spec.last or self.ctx.clock.today()
        first = spec.first or (last - timedelta(days=29))
        rows = StatsService(self.ctx).daily(first, last, spec.flt or StatsFilter())
        for row in reversed(rows):
            yield [row.day.isoformat(), row.total, row.delivered, row.failed, row.pending,
                   row.segments]

    def _orders(self, s, flt) -> Iterator[list]:
        stmt = OrderService(self.ctx).stmt(flt).order_by(Order.created_at.desc(),
                                                         Order.id.desc())
        for r in self._stream(s, stmt):
            yield [r.order_no, r.account, r.package_name, r.count, v.yuan(r.amount_fen),
                   _val(r.status), self._fmt_time(r.created_at), self._fmt_time(r.paid_at)]

    def _finance(self, s, flt) -> Iterator[list]:
        stmt = HoldingService(self.ctx).finance_stmt(flt).order_by(
            Holding.allocated_at.desc(), Holding.id.desc())
        for r in self._stream(s, stmt):
            source = r.order_no if _val(r.source) == "order" else "admin"
            yield [r.account, self._fmt_time(r.allocated_at), _val(r.sms_type), r.total, r.used,
                   r.total - r.used, last_valid_day(r.expires_at, self.ctx.clock.tz).isoformat(),
                   _val(r.status), source]

    def _admin_log(self, s, flt) -> Iterator[list]:
        a = AdminLog.__table__.c
        stmt = AdminLogService(self.ctx).stmt(flt).with_only_columns(
            a.at, a.admin_name, a.action, a.target, a.detail, a.origin).order_by(
            a.at.desc(), a.id.desc())
        for r in self._stream(s, stmt):
            yield [self._fmt_time(r.at), r.admin_name, r.action, r.target, r.detail, r.origin]

    def default_filter(self, kind: str):
        return ExportFilter().for_kind(kind)

    # --- writing ------------------------------------------------------------------------

    def rows(self, kind: str, flt, s) -> Iterator[list]:
        producers = {"records": self._records, "tasks": self._tasks, "stats": self._stats,
                     "orders": self._orders, "finance": self._finance,
                     "admin-log": self._admin_log}
        if kind not in producers:
            raise Invalid("error.export.kind", "kind", kind=kind)
        return producers[kind](s, flt)

    def headers(self, kind: str, lang: str, fmt: str = "csv") -> list[str]:
        """cli.md's names for the English CSV; labels for people otherwise."""
        cols = COLUMNS[kind]
        if lang == "zh":
            return [ZH_HEADERS.get(c, c) for c in cols]
        return [EN_HEADERS.get(c, c) for c in cols] if fmt == "xlsx" else list(cols)

    def readable(self, kind: str, lang: str, xlsx: bool) -> Callable[[list], list] | None:
        """The row converter for people (XLSX, or the Chinese CSV); None for the English
        CSV, whose values stay raw for scripts."""
        if lang == "en" and not xlsx:
            return None
        catalog = load_catalog()
        convert: list[tuple[int, Callable]] = []
        for i, col in enumerate(COLUMNS[kind]):
            enum = ENUM_COLUMNS.get((kind, col))
            if enum is not None:
                words = {m.value: enum_label(m, lang) for m in enum}
                convert.append((i, lambda x, words=words: words.get(x, x)))
            elif kind == "admin-log" and col == "action":
                def action(x, cache={}):  # noqa: B006 - a per-converter cache
                    if x not in cache:
                        key = f"adminlog.action.{x}"
                        cache[x] = t(key, lang) if key in catalog else x
                    return cache[x]
                convert.append((i, action))
            elif kind == "finance" and col == "source":
                admin = enum_label(HoldingSource.ADMIN, lang)
                convert.append((i, lambda x, admin=admin: admin if x == "admin" else x))
            elif xlsx and col in TIME_COLUMNS:
                convert.append((i, lambda x: datetime.strptime(x, "%Y-%m-%d %H:%M:%S")
                                if x else None))
            elif xlsx and col in DAY_COLUMNS:
                convert.append((i, lambda x: date.fromisoformat(x) if x else None))
            elif xlsx and col == "amount_yuan":
                convert.append((i, lambda x: Decimal(x)))

        def row_for_people(row: list) -> list:
            row = list(row)
            for i, fn in convert:
                row[i] = fn(row[i])
            return row

        return row_for_people

    def export(self, kind: str, path: str | os.PathLike, fmt: str | None = None,
               flt=None, lang: str = "en",
               progress: Callable[[int], None] | None = None,
               cancelled: Callable[[], bool] | None = None) -> ExportResult:
        """Write ``kind`` to ``path``. ``progress(rows_so_far)`` every batch. A cancelled
        export removes its partial file."""
        if kind not in COLUMNS:
            raise Invalid("error.export.kind", "kind", kind=kind)
        if flt is None:
            flt = self.default_filter(kind)
        elif isinstance(flt, ExportFilter):
            flt = flt.for_kind(kind)
        path = Path(path).expanduser()
        fmt = (fmt or path.suffix.lstrip(".") or "csv").lower()
        if fmt not in ("csv", "xlsx"):
            raise Invalid("error.export.format", "format", format=fmt)
        if not path.parent.exists():
            raise NotFound("error.export.dir_missing", "out", dir=str(path.parent))
        tmp = path.with_name(f".{path.name}.part")
        count = 0
        try:
            # Customers' phones and accounts: readable by the owner only (0600), from
            # the first byte (writing into the file keeps its mode).
            tmp.unlink(missing_ok=True)
            private_file(tmp)
            with self.ctx.store.read() as s:
                rows = self.rows(kind, flt, s)
                people = self.readable(kind, lang, fmt == "xlsx")
                if people is not None:
                    rows = map(people, rows)
                headers = self.headers(kind, lang, fmt)
                if fmt == "csv":
                    text_idx = [COLUMNS[kind].index(c) for c in TEXT_COLUMNS[kind]]
                    count = self._write_csv(tmp, headers, rows, progress, cancelled, text_idx)
                else:
                    count = self._write_xlsx(tmp, kind, headers, rows, progress, cancelled)
            if cancelled and cancelled():
                tmp.unlink(missing_ok=True)
                return ExportResult(path, count, fmt)
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return ExportResult(path, count, fmt)

    @staticmethod
    def _write_csv(path: Path, headers, rows, progress, cancelled, text_idx=()) -> int:
        count = 0
        memos = [(i, _Memo()) for i in text_idx]
        # UTF-8 with a BOM, the BOM written by hand: the "utf-8-sig" codec encodes every
        # write in Python code, the plain one in C (same bytes).
        with path.open("w", encoding="utf-8", newline="") as fh:
            fh.write("\ufeff")
            writer = csv.writer(fh)
            writer.writerow(headers)
            batch = []
            for row in rows:
                for i, memo in memos:
                    row[i] = memo[row[i]]
                batch.append(row)
                if len(batch) >= BATCH:
                    writer.writerows(batch)
                    count += len(batch)
                    batch.clear()
                    if progress:
                        progress(count)
                    if cancelled and cancelled():
                        return count
            writer.writerows(batch)
            count += len(batch)
        if progress:
            progress(count)
        return count

    @staticmethod
    def _write_xlsx(path: Path, kind: str, headers, rows, progress, cancelled) -> int:
        # Here, not at the top: openpyxl costs about a second; CSV exports never need it.
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import NamedStyle

        wb = Workbook(write_only=True)
        ws = wb.create_sheet(kind)
        styles = {}
        for name, number_format in (("when", "yyyy-mm-dd hh:mm:ss"), ("day", "yyyy-mm-dd"),
                                    ("yuan", "#,##0.00")):
            styles[name] = NamedStyle(name=f"smsconsole_{name}", number_format=number_format)
            wb.add_named_style(styles[name])

        def cell(value):
            if value.__class__ is str:
                c = WriteOnlyCell(ws, value=xlsx_text(value))
                c.data_type = "s"  # text, never a formula (a value starting with "=")
                return c
            if isinstance(value, datetime):
                c = WriteOnlyCell(ws, value=value)
                c.style = styles["when"]
                return c
            if isinstance(value, date):
                c = WriteOnlyCell(ws, value=value)
                c.style = styles["day"]
                return c
            if isinstance(value, Decimal):
                c = WriteOnlyCell(ws, value=value)
                c.style = styles["yuan"]
                return c
            return value

        ws.append(headers)
        count = 0
        for row in rows:
            ws.append([cell(x) for x in row])
            count += 1
            if count % BATCH == 0:
                if progress:
                    progress(count)
                if cancelled and cancelled():
                    break
        wb.save(path)
        if progress:
            progress(count)
        return count


def user_id_for(services, account: str | None) -> int | None:
    if not account:
        return None
    with services.store.read() as s:
        uid = s.scalar(select(User.id).where(User.account == account))
    if uid is None:
        raise NotFound("error.user.account_not_found", "user", account=account)
    return uid
