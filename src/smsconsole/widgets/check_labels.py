"""What a settings check (``settings.check``'s ``CheckItem``) tested, in words: the AK
page, the payment page, the wizard's step 3 and ``smsconsole check`` all name items and
fields the same way, never by their internal keys (issue 18, item 14). No Textual here:
the command line uses it too."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from rich.text import Text

from smsconsole.i18n import t

CHECK_NAMES = {"aliyun.access_key": "access.check.access_key",
               "queue.report": "access.check.queue_report",
               "queue.reply": "access.check.queue_reply",
               "alipay.keys": "payment.check.keys",
               "alipay.gateway": "payment.check.gateway"}


def field_label(field: str) -> str:
    """A settings field name (``scenario.register.sign_name`` too) in words."""
    if field.startswith("scenario."):
        _, key, name = field.split(".", 2)
        return f"{t(f'access.s.scenario.{key}')} › {t(f'access.f.{name}')}"
    for prefix in ("access.f.", "payment.f."):
        text = t(prefix + field)
        if text != prefix + field:
            return text
    return field


def item_name(item: Any) -> str:
    """The item tested, in words."""
    if item.item in CHECK_NAMES:
        return t(CHECK_NAMES[item.item])
    if item.item.startswith("scenario."):
        return field_label(item.item)
    return item.item


def check_label(item: Any) -> str:
    """The item tested, and for a failure the field to fix."""
    text = item_name(item)
    if not item.ok and item.field:
        text += " " + t("access.check.field", field=field_label(item.field))
    return text


def checks_text(items: Sequence[Any], label: Callable[[Any], str]) -> Text:
    """One line per ``CheckItem``: ✓/✗, what was tested (``label(item)``), and for a
    failure what the cloud said."""
    text = Text()
    for item in items:
        text.append("✓ " if item.ok else "✗ ", style="green" if item.ok else "bold red")
        text.append(label(item))
        if item.detail and not item.ok:
            text.append(f" — {item.detail}", style="red")
        text.append("\n")
    text.rstrip()
    return text


__all__ = ["CHECK_NAMES", "field_label", "item_name", "check_label", "checks_text"]
