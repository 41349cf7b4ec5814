"""Forms built from field specs, with each error shown next to its field.

``FormView`` is used by ``FormDialog`` and by the setup wizard's steps::

    form = FormView([
        Field("name", "users.field.name", required=True),
        Field("max_signatures", "users.field.max_signatures", kind="int", value=5),
        Section("users.section.scenario"),
        [Field("scenario.register.sign_name", "f.sign"), Field("scenario.register.template_code", "f.code")],
    ])
    form.values()            -> {"name": "...", "max_signatures": "5", ...}
    form.show_error(exc)     -> True when ``exc.field`` names a field (shown under it)

Kinds: ``text`` ``password`` ``int`` ``money`` ``date`` (``values()`` gives the typed text,
stripped: the services parse and validate it and name the field at fault), ``select``
(the chosen value, None when blank), ``checkbox`` (bool), ``textarea`` (str).
A list of fields is laid out side by side on one row; ``Section(title_key)`` is a heading.
Names may contain dots (``scenario.register.sign_name``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Select, Static, TextArea

from smsconsole.i18n import t
from smsconsole.widgets.unexpected import unexpected

KINDS = ("text", "password", "select", "checkbox", "date", "int", "money", "textarea")
# What a number, money or date field accepts. Checked on submit, never filtered while
# typing: a filter silently turned "3千" into 3 and "1e3" into 13.
_SHAPE = {"int": (re.compile(r"-?\d+"), "error.number.not_integer"),
          "money": (re.compile(r"-?[¥￥]?\d[\d,]*(\.\d{1,2})?"), "error.money.invalid"),
          "date": (re.compile(r"\d{4}-\d{2}-\d{2}"), "error.date.invalid")}


@dataclass
class Field:
    """One form field. ``choices`` are ``(value, label)`` pairs, the label a catalog key
    or plain text; ``help_key`` a line shown under the field."""

    name: str
    label_key: str
    kind: str = "text"
    value: Any = None
    choices: Sequence[tuple[Any, str]] = field(default_factory=tuple)
    help_key: str | None = None
    required: bool = False
    placeholder_key: str | None = None
    disabled: bool = False

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown field kind {self.kind!r}")


@dataclass
class Section:
    """A heading between fields."""

    title_key: str


FormItem = Field | Section | Sequence[Field]


def field_id(name: str) -> str:
    """A widget id for a (dotted) field name."""
    return "f-" + name.replace(".", "--")


class TickBox(Checkbox):
    """A Checkbox whose mark shows the state by shape, not only by colour (NO_COLOR)."""

    @property
    def BUTTON_INNER(self) -> str:  # type: ignore[override]  # noqa: N802 - Textual's name
        return "X" if self.value else " "


class FieldRow(Vertical):
    """Label, input, help line and error line of one field."""

    DEFAULT_CSS = """
    FieldRow { height: auto; width: 1fr; padding: 0 1 0 0; }
    FieldRow > .field--line { height: auto; }
    FieldRow .field--label { width: 22; padding: 0 1 0 0; color: $text; }
    FieldRow.-required .field--label { text-style: bold; }
    FieldRow.-stacked .field--label { width: 1fr; }
    FieldRow .field--input { width: 1fr; }
    FieldRow Input.field--input, FieldRow Select.field--input { height: 1; }
    FieldRow TextArea.field--input { height: 5; }
    FieldRow .field--help { color: $text-muted; padding-left: 22; height: auto; }
    FieldRow.-stacked .field--help { padding-left: 0; }
    FieldRow .field--error { color: $error; padding-left: 22; height: auto; display: none; }
    FieldRow.-stacked .field--error { padding-left: 0; }
    FieldRow.-invalid .field--error { display: block; }
    FieldRow:nocolor .field--error { text-style: bold reverse; }
    """

    def __init__(self, spec: Field, *, stacked: bool = False) -> None:
        super().__init__(id=field_id(spec.name),
                         classes=" ".join(c for c in ("-stacked" if stacked else "",
                                                      "-required" if spec.required else "")
                                          if c) or None)
        self.spec = spec
        self.stacked = stacked
        self._error: object = None  # a ServiceError, a catalog key or plain text

    # --- building ----------------------------------------------------------------------

    def _label_text(self) -> str:
        label = t(self.spec.label_key)
        return f"{label} *" if self.spec.required else label

    def _make_input(self) -> Widget:
        spec = self.spec
        if spec.kind == "select":
            options = [(t(label), value) for value, label in spec.choices]
            values = [v for _, v in options]
            initial = spec.value if spec.value in values else Select.NULL
            widget: Widget = Select(options, value=initial, allow_blank=not spec.required or
                                    initial is Select.NULL, compact=True, prompt="—")
        elif spec.kind == "checkbox":
            widget = TickBox(t(spec.label_key), value=bool(spec.value), compact=True)
        elif spec.kind == "textarea":
            widget = TextArea(str(spec.value or ""), soft_wrap=True, show_line_numbers=False)
        else:
            widget = Input(
                "" if spec.value is None else str(spec.value),
                password=spec.kind == "password",
                placeholder=t(spec.placeholder_key) if spec.placeholder_key else
                ("YYYY-MM-DD" if spec.kind == "date" else ""),
                compact=True,
            )
        widget.add_class("field--input")
        widget.disabled = spec.disabled
        return widget

    def compose(self) -> ComposeResult:
        line = Vertical if self.stacked else Horizontal
        with line(classes="field--line"):
            yield Static("" if self.spec.kind == "checkbox" and not self.stacked
                         else self._label_text(), classes="field--label")
            yield self._make_input()
        if self.spec.help_key:
            yield Static(t(self.spec.help_key), classes="field--help")
        yield Static("", classes="field--error")

    # --- value -------------------------------------------------------------------------

    @property
    def input(self) -> Widget:
        return self.query_one(".field--input")

    def get_value(self) -> Any:
        widget = self.input
        if isinstance(widget, Select):
            return None if widget.value is Select.NULL else widget.value
        if isinstance(widget, Checkbox):
            return widget.value
        if isinstance(widget, TextArea):
            return widget.text
        value = widget.value  # type: ignore[attr-defined]
        return value if self.spec.kind == "password" else value.strip()

    def set_value(self, value: Any) -> None:
        widget = self.input
        if isinstance(widget, Select):
            widget.value = Select.NULL if value is None else value
        elif isinstance(widget, Checkbox):
            widget.value = bool(value)
        elif isinstance(widget, TextArea):
            widget.text = str(value or "")
        else:
            widget.value = "" if value is None else str(value)  # type: ignore[attr-defined]

    def set_choices(self, choices: Sequence[tuple[Any, str]], value: Any = None) -> None:
        """New choices for a select field (keeps the value when still offered)."""
        self.spec.choices = list(choices)
        widget = self.input
        if isinstance(widget, Select):
            current = widget.value if value is None else value
            widget.set_options([(t(label), v) for v, label in self.spec.choices])
            if any(v == current for v, _ in self.spec.choices):
                widget.value = current

    def is_blank(self) -> bool:
        value = self.get_value()
        return value is None or (isinstance(value, str) and not value.strip())

    # --- errors ------------------------------------------------------------------------

    def set_error(self, error: object) -> None:
        """Show ``error`` (a ServiceError, a catalog key or text) under the field."""
        self._error = error
        self.query_one(".field--error", Static).update(self._error_text())
        self.set_class(error is not None, "-invalid")

    def _error_text(self) -> str:
        err = self._error
        if err is None:
            return ""
        message = getattr(err, "message", None)
        if callable(message):
            return str(message())
        return t(str(err))

    def on_language_changed(self) -> None:
        label = self.query_one(".field--label", Static)
        if not (self.spec.kind == "checkbox" and not self.stacked):
            label.update(self._label_text())
        widget = self.input
        if isinstance(widget, Checkbox):
            widget.label = t(self.spec.label_key)
        elif isinstance(widget, Select):
            current = widget.value
            widget.set_options([(t(label), value) for value, label in self.spec.choices])
            if current is not Select.NULL:
                widget.value = current
        elif isinstance(widget, Input) and self.spec.placeholder_key:
            widget.placeholder = t(self.spec.placeholder_key)
        if self.spec.help_key:
            self.query_one(".field--help", Static).update(t(self.spec.help_key))
        self.query_one(".field--error", Static).update(self._error_text())


class _Refusal:
    """A form's own refusal (a catalog key and its parameters), shown like a service's."""

    def __init__(self, key: str, **params: Any) -> None:
        self.key, self.params = key, params

    def message(self) -> str:
        return t(self.key, **self.params)


class SectionTitle(Static):
    DEFAULT_CSS = """
    SectionTitle { text-style: bold; padding: 1 0 0 0; color: $accent; height: auto; }
    SectionTitle:nocolor { text-style: bold underline; }
    """

    def __init__(self, title_key: str) -> None:
        super().__init__(t(title_key))
        self.title_key = title_key

    def on_language_changed(self) -> None:
        self.update(t(self.title_key))


class FormView(Vertical):
    """The fields of a form; see the module docstring."""

    DEFAULT_CSS = """
    FormView { height: auto; }
    FormView > .form--row { height: auto; }
    FormView > .form--error { color: $error; height: auto; display: none; padding: 0 0 1 0; }
    FormView.-has-error > .form--error { display: block; }
    FormView:nocolor > .form--error { text-style: bold reverse; }
    """

    class Submitted(Message):
        """Enter in the last input: the owner decides whether to submit."""

        def __init__(self, form: FormView) -> None:
            super().__init__()
            self.form = form

        @property
        def control(self) -> FormView:
            return self.form

    def __init__(self, items: Sequence[FormItem], *, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.items = list(items)
        self._form_error: object = None

    @property
    def fields(self) -> list[Field]:
        out: list[Field] = []
        for item in self.items:
            if isinstance(item, Field):
                out.append(item)
            elif not isinstance(item, Section):
                out.extend(item)
        return out

    def compose(self) -> ComposeResult:
        yield Static("", classes="form--error")
        for item in self.items:
            if isinstance(item, Section):
                yield SectionTitle(item.title_key)
            elif isinstance(item, Field):
                yield FieldRow(item)
            else:
                with Horizontal(classes="form--row"):
                    for spec in item:
                        yield FieldRow(spec, stacked=True)

    # --- access ------------------------------------------------------------------------

    def row(self, name: str) -> FieldRow | None:
        for row in self.query(FieldRow):
            if row.spec.name == name:
                return row
        return None

    def values(self) -> dict[str, Any]:
        return {row.spec.name: row.get_value() for row in self.query(FieldRow)}

    def set_values(self, values: dict[str, Any]) -> None:
        for name, value in values.items():
            row = self.row(name)
            if row is not None:
                row.set_value(value)

    def focus_field(self, name: str | None = None) -> bool:
        rows = list(self.query(FieldRow))
        target = self.row(name) if name else next(
            (r for r in rows if not r.input.disabled), None)
        if target is None:
            return False
        target.input.focus()
        return True

    # --- errors ------------------------------------------------------------------------

    def clear_errors(self) -> None:
        for row in self.query(FieldRow):
            if row._error is not None:
                row.set_error(None)
        self.set_form_error(None)

    def set_form_error(self, error: object) -> None:
        """A message at the top of the form (a ServiceError, a catalog key or text)."""
        self._form_error = error
        label = self.query_one(".form--error", Static)
        if error is None:
            label.update("")
        else:
            message = getattr(error, "message", None)
            label.update(str(message()) if callable(message) else t(str(error)))
        self.set_class(error is not None, "-has-error")

    def set_field_error(self, name: str, error: object) -> bool:
        row = self.row(name)
        if row is None:
            return False
        row.set_error(error)
        return True

    def show_error(self, exc: Exception) -> bool:
        """Show a ServiceError next to ``exc.field`` (focusing it), else at the top.
        Returns True when it landed on a field."""
        several = getattr(exc, "errors", None)
        if several:
            landed = [e for e in several if e.field and self.set_field_error(e.field, e)]
            others = [e for e in several if e not in landed]
            if others:
                self.set_form_error(others[0])
            if landed:
                self.focus_field(landed[0].field)
                return True
            return False
        name = getattr(exc, "field", None)
        if name and self.set_field_error(name, exc):
            self.focus_field(name)
            return True
        self.set_form_error(exc if hasattr(exc, "message") else
                            unexpected(exc, "form"))
        return False

    def check_required(self) -> bool:
        """Mark blank required fields and number, money or date fields that are not one,
        all at once; True when every field passes."""
        first: str | None = None
        for row in self.query(FieldRow):
            error: object = None
            if row.spec.required and row.is_blank():
                error = "error.field.required"
            elif row.spec.kind in _SHAPE and not row.is_blank():
                pattern, key = _SHAPE[row.spec.kind]
                if not pattern.fullmatch(str(row.get_value())):
                    error = _Refusal(key, value=row.get_value())
            if error is not None:
                row.set_error(error)
                first = first or row.spec.name
        if first:
            self.focus_field(first)
            return False
        return True

    # --- keys ----------------------------------------------------------------------------

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter moves to the next field; on the last one it asks to submit."""
        event.stop()
        inputs = [r.input for r in self.query(FieldRow) if not r.input.disabled]
        try:
            index = inputs.index(event.input)
        except ValueError:
            return
        if index == len(inputs) - 1:
            self.post_message(self.Submitted(self))
        else:
            inputs[index + 1].focus()

    def on_language_changed(self) -> None:
        if self._form_error is not None:
            self.set_form_error(self._form_error)


__all__ = ["Field", "Section", "FormView", "FieldRow", "field_id", "KINDS"]
