"""One message's detail (send records, a task's lists, the record query): user, time,
phone, signature, template, content, segments, status, the error code with what it means
and what to do (``cloud.errors.explain``), report time, refunded.

``show_record(node, record_id)`` fetches it in a thread and opens a ``DetailDialog``; its
keys open the phone's timeline (``t``, the record query page) or the task (``k``).
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.screen import ModalScreen

from smsconsole.i18n import get_lang, t
from smsconsole.screens.dialogs.base import error_text
from smsconsole.screens.dialogs.detail import DetailDialog
from smsconsole.screens.threads import run_in_thread
from smsconsole.widgets.format import dt, enum_label, num, yes_no


def status_text(record: Any) -> str:
    """"Failed MK:0001" for a failure, the status alone otherwise; "Sent" for the
    platform's own code sends (user 0: no reports are kept for them)."""
    if getattr(record, "user_id", None) == 0:
        return t("records.platform_sent")
    label = enum_label(record.status)
    if record.status.value == "failed" and record.err_code:
        return f"{label} {record.err_code}"
    return label


def code_pairs(code: str, message: str = "") -> list[tuple[str, Any]]:
    """The code, its meaning and the advice, for a detail view."""
    from smsconsole.cloud.cloud_error import explain

    if not code:
        return []
    meaning, advice = explain(code, get_lang())
    shown = f"{code} ({message})" if message and message != code else code
    return [("records.d.code", shown), ("records.d.meaning", meaning),
            ("records.d.advice", advice)]


def record_pairs(detail: Any) -> list[tuple[str, Any]]:
    rec = detail.record
    user = f"{rec.account} ({detail.user_name})" if detail.user_name else rec.account
    template = (f"{rec.template_code} · {detail.template_name}" if detail.template_name
                else rec.template_code)
    pairs: list[tuple[str, Any]] = [
        ("records.col.user", user),
        ("records.col.time", dt(rec.send_time, seconds=True)),
        ("records.col.phone", rec.phone),
        ("records.col.sign", rec.sign_name),
        ("records.col.template", template),
        ("records.d.type", rec.sms_type),
        ("records.d.content", Text(detail.content)),
        ("records.col.segments", num(rec.segments)),
        ("records.col.status", Text(status_text(rec), style="bold")),
    ]
    pairs += code_pairs(rec.err_code, rec.err_msg)
    pairs += [
        ("records.d.report_time", dt(rec.report_time, seconds=True, blank="—")),
        ("records.d.refunded", yes_no(detail.refunded)),
        ("records.d.task", f"#{rec.task_id}"),
        ("records.d.biz_id", rec.biz_id or ""),
    ]
    return pairs


def show_record(node: Any, record_id: int, *, actions: bool = True) -> None:
    """Fetch record ``record_id`` in a thread and show it; ``t`` opens the phone's
    timeline, ``k`` the task (both close the dialogs above the page first)."""
    app = node.app

    def got(detail: Any) -> None:
        rec = detail.record
        keys = [("t", "records.action.timeline", "timeline"),
                ("k", "records.action.task", "task")] if actions else []
        if not rec.task_id:  # the platform's own code send: no task
            keys = keys[:1]

        def chosen(choice: str | None) -> None:
            if choice is None:
                return
            while isinstance(app.screen, ModalScreen):
                app.pop_screen()
            if choice == "timeline":
                app.open_page("query", phone=rec.phone)
            elif choice == "task":
                app.open_page("tasks", task_id=rec.task_id)

        app.push_screen(DetailDialog("records.detail.title", record_pairs(detail),
                                     actions=keys, id=rec.id, phone=rec.phone), chosen)

    def failed(exc: BaseException) -> None:
        app.notify(error_text(exc, "record detail"), severity="error", timeout=8)

    services = node.services if hasattr(node, "services") else app.services
    run_in_thread(node, services.records.record, record_id, on_done=got, on_error=failed,
                  group="record-detail", exclusive=True)


__all__ = ["show_record", "record_pairs", "code_pairs", "status_text"]
