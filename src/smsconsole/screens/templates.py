"""模板管理 (product.md §2.6): every user's template applications — the signatures
page's list and actions (``screens.signatures.ApplicationsPage``) over templates, with
the template's CODE and content, and assigning by CODE (looked up and shown first)."""

from __future__ import annotations

from smsconsole.screens.dialogs.users_applications import kind_label
from smsconsole.screens.signatures import ApplicationsPage, application_bindings
from smsconsole.widgets import Column


def _short(text: str, width: int = 30) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= width else text[: width - 1] + "…"


class TemplatesPage(ApplicationsPage):
    kind = "template"
    BINDINGS = application_bindings("templates")

    def columns(self) -> list[Column]:
        return [
            Column("applied_at", "templates.col.applied"),
            Column("account", "templates.col.account"),
            Column("user_name", "templates.col.user_name"),
            Column("name", "templates.col.name"),
            Column("code", "templates.col.code"),
            Column("kind", "templates.col.type",
                   render=lambda r: kind_label("template", r.kind)),
            Column("status", "templates.col.status"),
            Column("origin", "templates.col.origin"),
            Column("reason", "templates.col.reason"),
            Column("content", "templates.col.content", render=lambda r: _short(r.content)),
        ]


__all__ = ["TemplatesPage"]
