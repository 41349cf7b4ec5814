"""The sandbox's own endpoints under ``/_sandbox/`` on the SMS port (not part of any
real protocol): state inspection, virtual clock, config, faults, reviews, reports, trades.

``GET  /_sandbox/health``                 → ``{"ok": true, "data_dir": …}``
``GET  /_sandbox/state[?biz_id=&phone=&summary=1&limit=N]`` (incl. Alipay trades and
                                          every notification POSTed, with its answer)
``POST /_sandbox/clock``    ``{"now": "<ISO with offset>"[, "hold": true]}`` or ``{"reset": true}``
``GET|POST /_sandbox/config``             (POST: partial update, see SandboxConfig)
``GET|POST|DELETE /_sandbox/faults``      (POST: a fault spec, see faults.py)
``POST /_sandbox/reviews/advance``        ``{"decision": "approve"|"reject"|null}``
``POST /_sandbox/reports/flush``          make every scheduled report/reply visible now
``POST /_sandbox/alipay/notify``          ``{"out_trade_no": …}`` POST its notify now
``POST /_sandbox/alipay/close``           ``{"out_trade_no": …}`` close as the buyer would
``POST /_sandbox/alipay/pay``             ``{"out_trade_no": …}`` pay as the buyer would (the
                                          trade exists once its page-pay URL was opened);
                                          the signed notify follows, retried on failure
"""

from __future__ import annotations

import json
from datetime import datetime
from urllib.parse import parse_qsl

from .alipay_api import AlipayApi
from .catalog import APPROVED, REJECTED, REVIEWING
from .httpbase import Request, Response
from .state import SandboxState
from .virtual_clock import china_str, real_ms

_STATUS = {REVIEWING: "reviewing", APPROVED: "approved", REJECTED: "rejected", 10: "cancelled"}
_TTYPE = {0: "verification", 1: "notification", 2: "promotion", 3: "international"}


def _json(payload, status: int = 200) -> Response:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Response(status, body, "application/json;charset=utf-8")


class ControlApi:
    def __init__(self, state: SandboxState, alipay: AlipayApi, data_dir: str) -> None:
        self.s = state
        self.alipay = alipay
        self.data_dir = data_dir

    def __call__(self, req: Request) -> Response:
        route = (req.method, req.path.rstrip("/"))
        try:
            payload = json.loads(req.body or b"{}") if req.method in ("POST", "PUT") else {}
            if not isinstance(payload, dict):
                raise ValueError("JSON object expected")
            q = dict(parse_qsl(req.query))
            match route:
                case ("GET", "/_sandbox/health"):
                    return _json({"ok": True, "data_dir": self.data_dir, "uid": self.s.uid})
                case ("GET", "/_sandbox/state"):
                    return _json(self.state(q))
                case ("POST", "/_sandbox/clock"):
                    return _json(self.clock(payload))
                case ("GET", "/_sandbox/config"):
                    return _json(self.s.config.to_dict())
                case ("POST", "/_sandbox/config"):
                    unknown = self.s.config.update(payload)
                    self.s.save_config()
                    return _json({**self.s.config.to_dict(), "ignored": unknown})
                case ("GET", "/_sandbox/faults"):
                    return _json(self.s.faults.snapshot())
                case ("POST", "/_sandbox/faults"):
                    self.s.faults.add(payload)
                    return _json(self.s.faults.snapshot())
                case ("DELETE", "/_sandbox/faults"):
                    self.s.faults.clear()
                    return _json(self.s.faults.snapshot())
                case ("POST", "/_sandbox/reviews/advance"):
                    n = self.s.catalog.advance_reviews(payload.get("decision"))
                    return _json({"decided": n})
                case ("POST", "/_sandbox/reports/flush"):
                    return _json({"flushed": self.flush_reports()})
                case ("POST", "/_sandbox/alipay/notify"):
                    status, answer = self.alipay.send_notify(str(payload.get("out_trade_no")))
                    return _json({"status": status, "answer": answer})
                case ("POST", "/_sandbox/alipay/pay"):
                    out_no = str(payload.get("out_trade_no"))
                    if self.alipay._row(out_no) is None:
                        return _json({"error": "unknown out_trade_no"}, 404)
                    return _json(self.alipay.pay(out_no))
                case ("POST", "/_sandbox/alipay/close"):
                    out_no = str(payload.get("out_trade_no"))
                    if self.alipay._row(out_no) is None:
                        return _json({"error": "unknown out_trade_no"}, 404)
                    row = self.alipay.set_status(out_no, "TRADE_CLOSED")
                    return _json({"status": row["status"], "trade_no": row["trade_no"]})
        except (ValueError, TypeError, KeyError) as e:
            return _json({"error": str(e)}, 400)
        return _json({"error": "not found"}, 404)

    def clock(self, payload: dict) -> dict:
        if payload.get("reset"):
            self.s.set_clock(None)
        else:
            when = datetime.fromisoformat(str(payload["now"]))
            self.s.set_clock(when, hold=bool(payload.get("hold")))
        return {"now": self.s.clock.now().isoformat(), "offset_ms": self.s.clock.offset_ms}

    def flush_reports(self) -> int:
        now = real_ms()
        with self.s.store.tx() as db:
            n = db.execute(
                "UPDATE messages SET visible_ms=?, enqueue_ms=? WHERE dequeue_count=0 "
                "AND visible_ms>?", (now, now, now)).rowcount
            db.execute("UPDATE sends SET due_real_ms=? WHERE due_real_ms>?", (now, now))
        self.s.queues.notify()
        return n

    def state(self, q: dict) -> dict:
        st = self.s
        real = real_ms()
        where, args = [], []
        if q.get("biz_id"):
            where.append("biz_id=?")
            args.append(q["biz_id"])
        if q.get("phone"):
            where.append("phone=?")
            args.append(q["phone"])
        cond = (" WHERE " + " AND ".join(where)) if where else ""
        limit = max(0, min(int(q.get("limit", 5000)), 100_000))
        summary_only = q.get("summary") in ("1", "true", "yes")
        with st.store.read() as db:
            total, delivered, failed, enqueued, segs = db.execute(
                "SELECT COUNT(*), COALESCE(SUM(outcome='delivered'),0), "
                "COALESCE(SUM(outcome='failed'),0), COALESCE(SUM(due_real_ms<=?),0), "
                f"COALESCE(SUM(segments),0) FROM sends{cond}", [real, *args]).fetchone()
            replies = db.execute(f"SELECT COUNT(reply) FROM sends{cond}", args).fetchone()[0]
            messages = []
            if not summary_only:
                rows = db.execute(
                    "SELECT s.id, biz_id, phone, sign_name, template_code, template_type, "
                    "content, segments, out_id, send_ms, report_ms, due_real_ms, outcome, "
                    "err_code, duplicate, reply, "
                    "(SELECT COUNT(*) FROM messages m WHERE m.send_id=s.id) "
                    f"FROM sends s{cond} ORDER BY s.id LIMIT ?", [*args, limit]).fetchall()
                for (_, biz, phone, sign, tcode, ttype, content, seg, out_id, send_ms,
                     report_ms, due, outcome, err, dup, reply, in_queue) in rows:
                    messages.append({
                        "biz_id": biz, "phone": phone, "sign_name": sign,
                        "template_code": tcode, "template_type": _TTYPE.get(ttype, str(ttype)),
                        "content": content, "segments": seg, "out_id": out_id,
                        "send_time": china_str(send_ms), "report_time": china_str(report_ms),
                        "outcome": outcome, "err_code": err,
                        "report_enqueued": due <= real, "reports_in_queue": in_queue,
                        "duplicate_report": bool(dup), "reply": reply,
                    })
        signs, _ = st.catalog.list_signs()
        templates, _ = st.catalog.list_templates()
        return {
            "now": st.clock.now().isoformat(),
            "clock_offset_ms": st.clock.offset_ms,
            "uid": st.uid,
            "summary": {"messages": total, "delivered": delivered, "failed": failed,
                        "report_enqueued": enqueued, "report_pending": total - enqueued,
                        "segments": segs, "replies": replies},
            "messages": messages,
            "truncated": (not summary_only) and total > len(messages),
            "signatures": [
                {"name": s.name, "type": "verification" if s.sign_type == 0 else "general",
                 "status": _STATUS.get(s.status, str(s.status)), "reason": s.reason,
                 "created": china_str(s.created_ms)} for s in signs],
            "templates": [
                {"code": t.code, "name": t.name, "type": _TTYPE.get(t.type, str(t.type)),
                 "content": t.content, "status": _STATUS.get(t.status, str(t.status)),
                 "reason": t.reason, "created": china_str(t.created_ms)} for t in templates],
            "queues": {name: st.queues.counts(name) for name in st.queues.queue_names()},
            "trades": self.alipay.trades(),
            "notifications": self.alipay.notifications(),
            "config": st.config.to_dict(),
        }
