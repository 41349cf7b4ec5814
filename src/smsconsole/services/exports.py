"""Exports: orders, finance, tasks, records, stats and the admin log to CSV or XLSX.

Streamed: rows come from one server-side cursor in batches and go straight to the file,
so memory stays flat however many rows (CSV is UTF-8 with a BOM so Excel shows Chinese;
XLSX uses openpyxl's write-only mode). Columns are the stable names of cli.md (English
headers with ``lang="en"``, the same columns with Chinese headers with ``lang="zh"``).
Secrets are never exported: no kind has a secret column.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from smsconsole.services import validation as v
from smsconsole.services.context import Context
from smsconsole.services.errors import Invalid, NotFound
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

KINDS = ("orders", "finance", "tasks", "records", "stats", "admin-log")

COLUMNS: dict[str, list[str]] = {
    "records": ["task_id", "user", "phone", "sign_name", "template_code", "biz_id", "segments",
                "status", "err_code", "send_time", "report_time"],
    "tasks": ["task_id", "user", "created_at", "sign_name", "template_code", "numbers",
              "delivered", "failed", "pending"],
    "stats": ["day", "total", "delivered", "failed", "pending"],
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

BATCH = 5000


@dataclass
class ExportFilter:
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


@dataclass(frozen=True)
class ExportResult:
    path: Path
    rows: int
    format: str


class ExportService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    # --- formatting -------------------------------------------------------------------

    def _fmt_time(self, value: datetime | None) -> str:
        if value is None:
            return ""
        return value.astimezone(self.ctx.clock.tz).strftime("%Y-%m-%d %H:%M:%S")

    def _range(self, flt: ExportFilter):
        v.date_order(flt.first, flt.last, "to")
        if not (flt.first or flt.last):
            return None
        return self.ctx.clock.day_range(flt.first or date(1970, 1, 1),
                                        flt.last or date(9999, 12, 30))

    def _accounts(self, s) -> dict[int, str]:
        return dict(s.execute(select(User.id, User.account)).all())

    # --- rows per kind (each a generator of lists, newest first) -----------------------

    def _records(self, s, flt: ExportFilter) -> Iterator[list]:
        r = SendRecord.__table__.c
        stmt = select(r.task_id, r.user_id, r.phone, r.sign_name, r.template_code, r.biz_id,
                      r.segments, r.status, r.err_code, r.send_time, r.report_time)
        span = self._range(flt)
        if span:
            stmt = stmt.where(r.send_time >= span[0], r.send_time < span[1])
        if flt.user_id:
            stmt = stmt.where(r.user_id == flt.user_id)
        if flt.status:
            stmt = stmt.where(r.status == v.one_of(flt.status, DeliveryStatus, "status"))
        if flt.phone:
            stmt = stmt.where(r.phone == v.mobile(flt.phone))
        if flt.template_code:
            stmt = stmt.where(r.template_code == flt.template_code)
        if flt.sign_name:
            stmt = stmt.where(r.sign_name == flt.sign_name)
        stmt = stmt.order_by(r.send_time.desc(), r.id.desc())
        names = self._accounts(s)
        fmt = self._fmt_time
        for row in s.execute(stmt.execution_options(yield_per=BATCH)):
            yield [row[0], names.get(row[1], ""), row[2], row[3], row[4], row[5] or "", row[6],
                   row[7].value if hasattr(row[7], "value") else row[7], row[8], fmt(row[9]),
                   fmt(row[10])]

    def _tasks(self, s, flt: ExportFilter) -> Iterator[list]:
        t = SendTask.__table__.c
        stmt = select(t.id, t.user_id, t.created_at, t.sign_name, t.template_code, t.numbers,
                      t.delivered, t.failed)
        span = self._range(flt)
        if span:
            stmt = stmt.where(t.created_at >= span[0], t.created_at < span[1])
        if flt.user_id:
            stmt = stmt.where(t.user_id == flt.user_id)
        if flt.template_code:
            stmt = stmt.where(t.template_code == flt.template_code)
        stmt = stmt.order_by(t.created_at.desc(), t.id.desc())
        names = self._accounts(s)
        for row in s.execute(stmt.execution_options(yield_per=BATCH)):
            yield [row[0], names.get(row[1], ""), self._fmt_time(row[2]), row[3], row[4], row[5],
                   row[6], row[7], row[5] - row[6] - row[7]]

    def _stats(self, s, flt: ExportFilter) -> Iterator[list]:
        from smsconsole.services.stats import StatsFilter, StatsService

        last = flt.last or self.ctx.clock.today()
        first = flt.first or (last - timedelta(days=29))
        sf = StatsFilter(user_id=flt.user_id, sign_name=flt.sign_name,
                         sms_type=SmsType(flt.sms_type) if flt.sms_type else None,
                         template_code=flt.template_code)
        for row in reversed(StatsService(self.ctx).daily(first, last, sf)):
            yield [row.day.isoformat(), row.total, row.delivered, row.failed, row.pending]

    def _orders(self, s, flt: ExportFilter) -> Iterator[list]:
        o = Order.__table__.c
        stmt = select(o.order_no, o.user_id, o.package_name, o.count, o.amount_fen, o.status,
                      o.created_at, o.paid_at)
        span = self._range(flt)
        if span:
            stmt = stmt.where(o.created_at >= span[0], o.created_at < span[1])
        if flt.user_id:
            stmt = stmt.where(o.user_id == flt.user_id)
        if flt.status:
            stmt = stmt.where(o.status == v.one_of(flt.status, OrderStatus, "status"))
        if flt.extra.get("order_no"):
            stmt = stmt.where(o.order_no == flt.extra["order_no"])
        stmt = stmt.order_by(o.created_at.desc(), o.id.desc())
        names = self._accounts(s)
        for row in s.execute(stmt.execution_options(yield_per=BATCH)):
            yield [row[0], names.get(row[1], ""), row[2], row[3], v.yuan(row[4]),
                   _val(row[5]), self._fmt_time(row[6]), self._fmt_time(row[7])]

    def _finance(self, s, flt: ExportFilter) -> Iterator[list]:
        h = Holding.__table__.c
        stmt = select(h.user_id, h.allocated_at, h.sms_type, h.total, h.used, h.expires_at,
                      h.status, h.source, h.order_id)
        span = self._range(flt)
        if span:
            stmt = stmt.where(h.allocated_at >= span[0], h.allocated_at < span[1])
        if flt.user_id:
            stmt = stmt.where(h.user_id == flt.user_id)
        if flt.sms_type:
            stmt = stmt.where(h.sms_type == v.one_of(flt.sms_type, SmsType, "type"))
        if flt.status:
            stmt = stmt.where(h.status == v.one_of(flt.status, HoldingStatus, "status"))
        if flt.extra.get("source"):
            stmt = stmt.where(h.source == v.one_of(flt.extra["source"], HoldingSource, "source"))
        stmt = stmt.order_by(h.allocated_at.desc(), h.id.desc())
        names = self._accounts(s)
        order_nos = dict(s.execute(select(Order.id, Order.order_no)).all())
        for row in s.execute(stmt.execution_options(yield_per=BATCH)):
            source = order_nos.get(row[8], "") if _val(row[7]) == "order" else "admin"
            yield [names.get(row[0], ""), self._fmt_time(row[1]), _val(row[2]), row[3], row[4],
                   row[3] - row[4], self._fmt_time(row[5]), _val(row[6]), source]

    def _admin_log(self, s, flt: ExportFilter) -> Iterator[list]:
        a = AdminLog.__table__.c
        stmt = select(a.at, a.admin_name, a.action, a.target, a.detail, a.origin)
        span = self._range(flt)
        if span:
            stmt = stmt.where(a.at >= span[0], a.at < span[1])
        if flt.action:
            stmt = stmt.where(a.action == flt.action)
        stmt = stmt.order_by(a.at.desc(), a.id.desc())
        for row in s.execute(stmt.execution_options(yield_per=BATCH)):
            yield [self._fmt_time(row[0]), row[1], row[2], row[3], row[4], row[5]]

    # --- writing ------------------------------------------------------------------------

    def rows(self, kind: str, flt: ExportFilter, s) -> Iterator[list]:
        producers = {"records": self._records, "tasks": self._tasks, "stats": self._stats,
                     "orders": self._orders, "finance": self._finance,
                     "admin-log": self._admin_log}
        if kind not in producers:
            raise Invalid("error.export.kind", "kind", kind=kind)
        return producers[kind](s, flt)

    def headers(self, kind: str, lang: str) -> list[str]:
        cols = COLUMNS[kind]
        return [ZH_HEADERS.get(c, c) for c in cols] if lang == "zh" else list(cols)

    def export(self, kind: str, path: str | os.PathLike, fmt: str | None = None,
               flt: ExportFilter | None = None, lang: str = "en",
               progress: Callable[[int], None] | None = None,
               cancelled: Callable[[], bool] | None = None) -> ExportResult:
        """Write ``kind`` to ``path``. ``progress(rows_so_far)`` every batch. A cancelled
        export removes its partial file."""
        flt = flt or ExportFilter()
        path = Path(path).expanduser()
        fmt = (fmt or path.suffix.lstrip(".") or "csv").lower()
        if fmt not in ("csv", "xlsx"):
            raise Invalid("error.export.format", "format", format=fmt)
        if not path.parent.exists():
            raise NotFound("error.export.dir_missing", "out", dir=str(path.parent))
        tmp = path.with_name(f".{path.name}.part")
        count = 0
        try:
            with self.ctx.store.read() as s:
                rows = self.rows(kind, flt, s)
                if fmt == "csv":
                    count = self._write_csv(tmp, self.headers(kind, lang), rows, progress, cancelled)
                else:
                    count = self._write_xlsx(tmp, kind, self.headers(kind, lang), rows, progress,
                                             cancelled)
            if cancelled and cancelled():
                tmp.unlink(missing_ok=True)
                return ExportResult(path, count, fmt)
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return ExportResult(path, count, fmt)

    @staticmethod
    def _write_csv(path: Path, headers, rows, progress, cancelled) -> int:
        count = 0
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(headers)
            batch = []
            for row in rows:
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
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        ws = wb.create_sheet(kind)
        ws.append(headers)
        count = 0
        for row in rows:
            ws.append(row)
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


def _val(x):
    return x.value if hasattr(x, "value") else x


def user_id_for(services, account: str | None) -> int | None:
    if not account:
        return None
    from smsconsole.services.errors import NotFound as NF

    with services.store.read() as s:
        uid = s.scalar(select(User.id).where(User.account == account))
    if uid is None:
        raise NF("error.user.account_not_found", "user", account=account)
    return uid


def run_cli(cfg, args) -> int:
    """``smsconsole export KIND --out FILE ...``: prints the path and row count at the end."""
    from smsconsole.services import build

    services = build(cfg.db_url, cfg.data_dir)
    try:
        def day(text, name):
            if not text:
                return None
            try:
                return date.fromisoformat(text)
            except ValueError:
                raise Invalid("error.date.invalid", name, value=text) from None

        flt = ExportFilter(first=day(args.first, "from"), last=day(args.last, "to"),
                           user_id=user_id_for(services, args.user), status=args.status,
                           phone=args.phone or "", template_code=args.template or "",
                           sign_name=args.sign or "", sms_type=args.sms_type,
                           action=args.action or "")
        result = ExportService(services.ctx).export(args.kind, args.out, args.format, flt,
                                                    lang=cfg.lang)
        print(f"{result.rows} rows written to {result.path.resolve()}")
        return 0
    finally:
        services.close()
