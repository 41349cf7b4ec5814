"""签名管理 (product.md §2.6): every user's signature applications.

``ApplicationsPage`` is shared with 模板管理 (``screens.templates``): the same list,
filters and actions over ``services.signatures`` or ``services.templates``. Texts come
from the page's own catalog (``signatures.*`` / ``templates.*``).

Flow: the user applies (pending) → ``s`` submits it to Aliyun (in review) → ``u`` syncs
its review result (``U`` every in-review one, with progress) → approved / rejected.
``x`` rejects a pending one with a reason; ``a`` assigns an existing Aliyun-approved one
to a user; ``d`` deletes.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult

from smsconsole.i18n import t
from smsconsole.screens.base import MenuPage
from smsconsole.screens.dialogs import DetailDialog, Field, FormDialog, ProgressDialog
from smsconsole.screens.dialogs.users_applications import kind_label
from smsconsole.screens.dialogs.users_common import FilterLine, confirm, palette_commands
from smsconsole.services.applications import ApplicationFilter
from smsconsole.services.errors import ServiceError
from smsconsole.store.enums import ReviewStatus
from smsconsole.widgets import Column, PagedTable, keybind
from smsconsole.widgets.format import enum_label


def application_bindings(prefix: str) -> list:
    return [
        keybind("a", "assign", f"{prefix}.assign"),
        keybind("s", "submit", f"{prefix}.submit"),
        keybind("x", "reject", f"{prefix}.reject"),
        keybind("u", "sync", f"{prefix}.sync"),
        keybind("U", "sync_all", f"{prefix}.sync_all"),
        keybind("d", "delete", f"{prefix}.delete"),
        keybind("f", "filters", f"{prefix}.filters"),
    ]


def resolve_user(services, text: str, prefix: str) -> tuple[int | None, str]:
    """A typed account / name / phone → (user id, label); blank → (None, "").
    An exact account wins; otherwise exactly one match is needed."""
    text = (text or "").strip()
    if not text:
        return None, ""
    matches = services.users.search(text, limit=10)
    exact = [u for u in matches if u.account == text or u.phone == text]
    if exact:
        matches = exact[:1]
    if not matches:
        raise ServiceError(f"{prefix}.filter.no_user", "user", text=text)
    if len(matches) > 1:
        raise ServiceError(f"{prefix}.filter.many_users", "user", text=text,
                           accounts=", ".join(u.account for u in matches[:5]))
    user = matches[0]
    return user.id, f"{user.account} ({user.name})"


class ApplicationsPage(MenuPage):
    """The list of signature or template applications; see the module docstring."""

    kind = "signature"  # "signature" | "template"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.search = ""
        self.status: ReviewStatus | None = None
        self.user_id: int | None = None
        self.user_label = ""

    @property
    def prefix(self) -> str:
        return self.page_id or f"{self.kind}s"

    @property
    def service(self):
        return self.services.signatures if self.kind == "signature" else self.services.templates

    def columns(self) -> list[Column]:
        raise NotImplementedError

    def compose(self) -> ComposeResult:
        yield FilterLine(self.prefix, id=f"{self.prefix}-filters")
        yield PagedTable(self.columns(), fetch=self._fetch, on_filter_text=self._search_typed,
                         filter_placeholder_key=f"{self.prefix}.search.placeholder",
                         id=f"{self.prefix}-table")

    def on_mount(self) -> None:
        super().on_mount()
        self._show_filters()

    # --- data and filters ------------------------------------------------------------------

    @property
    def table(self) -> PagedTable:
        return self.query_one(PagedTable)

    def _fetch(self, cursor, backward: bool, limit: int):
        flt = ApplicationFilter(status=self.status, user_id=self.user_id, search=self.search)
        return self.service.page(flt, cursor, limit, backward=backward)

    def _search_typed(self, text: str) -> None:
        self.search = text
        self.table.reload()

    def _show_filters(self) -> None:
        self.query_one(FilterLine).show([(f"{self.prefix}.f.status", self.status),
                                         (f"{self.prefix}.f.user", self.user_label)])

    def set_filters(self, **filters: Any) -> None:
        """``status`` (a ReviewStatus or its value) and ``user_id`` (+ ``user`` label)
        from another page, e.g. home's counts."""
        if "status" in filters:
            self.status = ReviewStatus(filters["status"]) if filters["status"] else None
        if "user_id" in filters:
            self.user_id = filters["user_id"]
            self.user_label = str(filters.get("user") or (f"#{self.user_id}"
                                                          if self.user_id else ""))
        self._show_filters()

    def clear_filter(self) -> bool:
        cleared = super().clear_filter()
        if self.status is not None or self.user_id is not None:
            self.status, self.user_id, self.user_label = None, None, ""
            self._show_filters()
            self.table.reload()
            cleared = True
        return cleared

    def action_filters(self) -> None:
        p = self.prefix

        def resolve(values: dict) -> dict:
            user_id, label = resolve_user(self.services, values["user"], p)
            return {"status": values["status"], "user_id": user_id, "user": label}

        def chosen(result: dict | None) -> None:
            if result is None:
                return
            self.status = ReviewStatus(result["status"]) if result["status"] else None
            self.user_id, self.user_label = result["user_id"], result["user"]
            self._show_filters()
            self.table.reload()

        user_text = self.user_label.split(" (")[0] if self.user_label else ""
        self.app.push_screen(FormDialog(f"{p}.filters.title", [
            Field("status", f"{p}.f.status", kind="select",
                  value=self.status.value if self.status else None,
                  choices=[(s.value, f"enum.review_status.{s.value}") for s in ReviewStatus],
                  help_key=f"{p}.f.status.help"),
            Field("user", f"{p}.f.user", value=user_text, help_key=f"{p}.f.user.help"),
        ], resolve, submit_label_key=f"{p}.filters.apply"), chosen)

    # --- rows --------------------------------------------------------------------------------

    def _selected(self):
        row = self.table.selected
        if row is None:
            self.app.notify(t(f"{self.prefix}.no_row"), severity="warning")
        return row

    def _done(self, key: str, **params: Any) -> None:
        self.notify_ok(f"{self.prefix}.{key}", **params)
        self.refresh_data()

    def _params(self, row) -> dict[str, Any]:
        return {"name": row.name, "code": row.code, "account": row.account,
                "status": enum_label(row.status)}

    def on_paged_table_row_chosen(self, event: PagedTable.RowChosen) -> None:
        event.stop()
        self.show_detail(event.row)

    def action_view(self) -> None:
        row = self._selected()
        if row is not None:
            self.show_detail(row)

    def detail_pairs(self, row) -> list[tuple[str, Any]]:
        p = self.prefix
        pairs: list[tuple[str, Any]] = [
            (f"{p}.col.account", f"{row.account} ({row.user_name})"),
            (f"{p}.col.name", row.name),
        ]
        if self.kind == "template":
            pairs.append((f"{p}.col.code", row.code or "—"))
        pairs += [(f"{p}.col.type", kind_label(self.kind, row.kind)),
                  (f"{p}.col.status", row.status),
                  (f"{p}.col.reason", row.reason or "—"),
                  (f"{p}.col.origin", row.origin),
                  (f"{p}.col.applied", row.applied_at),
                  (f"{p}.col.submitted", row.submitted_at),
                  (f"{p}.col.reviewed", row.reviewed_at)]
        if self.kind == "template":
            pairs.append((f"{p}.col.content", row.content))
        return pairs

    def show_detail(self, row) -> None:
        p = self.prefix
        actions: list[tuple[str, str, str]] = []
        if row.status == ReviewStatus.PENDING:
            actions += [("s", f"key.{p}.submit", "submit"), ("x", f"key.{p}.reject", "reject")]
        if row.status == ReviewStatus.IN_REVIEW:
            actions.append(("u", f"key.{p}.sync", "sync"))
        actions.append(("d", f"key.{p}.delete", "delete"))

        def chosen(choice: str | None) -> None:
            if choice:
                getattr(self, f"_{choice}")(row)

        self.app.push_screen(DetailDialog(f"{p}.detail.title", self.detail_pairs(row),
                                          actions=actions, name=row.name), chosen)

    def _on_selected(self, name: str) -> None:
        row = self._selected()
        if row is not None:
            getattr(self, f"_{name}")(row)

    # --- actions ---------------------------------------------------------------------------

    def action_submit(self) -> None:
        self._on_selected("submit")

    def action_reject(self) -> None:
        self._on_selected("reject")

    def action_sync(self) -> None:
        self._on_selected("sync")

    def action_delete(self) -> None:
        self._on_selected("delete")

    def _submit(self, row) -> None:
        p = self.prefix
        if row.status != ReviewStatus.PENDING:
            self.app.notify(t(f"{p}.not_pending", **self._params(row)), severity="warning")
            return
        confirm(self, t(f"{p}.submit.confirm", **self._params(row)),
                lambda: self.run_service(self.service.submit, self.actor, row.id,
                                         on_done=lambda _a: self._done("submit.done",
                                                                       **self._params(row))),
                danger=False, title_key=f"{p}.submit.title", confirm_key=f"{p}.submit.yes")

    def _reject(self, row) -> None:
        p = self.prefix
        if row.status != ReviewStatus.PENDING:
            self.app.notify(t(f"{p}.not_pending", **self._params(row)), severity="warning")
            return

        def save(values: dict):
            return self.service.reject(self.actor, row.id, values["reason"])

        self.app.push_screen(FormDialog(f"{p}.reject.title", [
            Field("reason", f"{p}.f.reason", kind="textarea", required=True,
                  help_key=f"{p}.f.reason.help"),
        ], save, submit_label_key=f"{p}.reject.yes", **self._params(row)),
            lambda app: app and self._done("reject.done", **self._params(row)))

    def _sync(self, row) -> None:
        p = self.prefix
        if row.status != ReviewStatus.IN_REVIEW:
            self.app.notify(t(f"{p}.not_in_review", **self._params(row)), severity="warning")
            return

        def done(status: ReviewStatus) -> None:
            key = "sync.unchanged" if status == ReviewStatus.IN_REVIEW else "sync.done"
            self._done(key, name=row.name, status=enum_label(status))

        self.run_service(self.service.sync, self.actor, row.id, on_done=done)

    def action_sync_all(self) -> None:
        p = self.prefix

        def work(progress):
            return self.service.sync_all(self.actor, progress=progress.update,
                                         cancelled=progress.is_cancelled)

        def done(result) -> None:
            if result is None:
                self._done("sync_all.cancelled")
                return
            self._done("sync_all.done", checked=result.checked, approved=result.approved,
                       rejected=result.rejected, unchanged=result.unchanged,
                       errors=len(result.errors))
            if result.errors:
                self.app.notify("\n".join(result.errors[:5]), severity="warning", timeout=10)

        self.app.push_screen(ProgressDialog(f"{p}.sync_all.title", work), done)

    def _delete(self, row) -> None:
        confirm(self, t(f"{self.prefix}.delete.confirm", **self._params(row)),
                lambda: self.run_service(self.service.delete, self.actor, row.id,
                                         on_done=lambda _r: self._done("delete.done",
                                                                       **self._params(row))),
                confirm_key=f"{self.prefix}.delete.yes")

    def action_assign(self) -> None:
        from smsconsole.screens.dialogs.signatures_assign import AssignDialog

        def done(result) -> None:
            if result is not None:
                app, account = result
                self._done("assign.done", name=app.name, code=getattr(app, "code", ""),
                           account=account)

        self.app.push_screen(AssignDialog(self.services, self.actor, self.kind, self.prefix),
                             done)

    def command_palette_commands(self):
        return palette_commands(self, [(f"{self.prefix}.action.view", "view")])


class SignaturesPage(ApplicationsPage):
    kind = "signature"
    BINDINGS = application_bindings("signatures")

    def columns(self) -> list[Column]:
        return [
            Column("applied_at", "signatures.col.applied"),
            Column("account", "signatures.col.account"),
            Column("user_name", "signatures.col.user_name"),
            Column("name", "signatures.col.name"),
            Column("kind", "signatures.col.type",
                   render=lambda r: kind_label("signature", r.kind)),
            Column("status", "signatures.col.status"),
            Column("origin", "signatures.col.origin"),
            Column("reason", "signatures.col.reason"),
        ]


__all__ = ["ApplicationsPage", "SignaturesPage", "application_bindings", "resolve_user"]
