"""The export action every data list offers on ``x``: ask the format and the path, write
the file in a thread worker with a progress bar and cancel, say where it went.

::

    from smsconsole.screens.dialogs.export import ExportSpec, start_export

    start_export(page, ExportSpec("orders", page.effective_filter(),
                                  summary=t("…what the list shows…")))

The format is CSV (UTF-8 with a BOM, so Excel shows Chinese) or XLSX; the path defaults
to ``<data dir>/exports/<kind>-<date>.<ext>`` (the folder is created; an existing file of
that name gets a ``-2``, ``-3`` … suffix). The file is written by
``services.exports.export`` (streamed, flat memory); cancelling stops it at the next batch
and leaves no file. Headers are in the current language (cli.md's names in an English CSV).

The filter is the list's own (RecordFilter, OrderFilter, …; ``services.exports.StatsExport``
for statistics), so the file holds exactly what the list shows. ``ExportSpec.not_applied``
can still name a filter a page applies on its own (shown in the dialog).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import on
from textual.widget import Widget
from textual.widgets import Select

from smsconsole.i18n import get_lang, t
from smsconsole.screens.dialogs.form import FormDialog
from smsconsole.screens.dialogs.progress import Progress, ProgressDialog
from smsconsole.widgets.form_view import Field, FormView
from smsconsole.widgets.labels import Tr

if TYPE_CHECKING:
    from smsconsole.services.exports import ExportResult

FORMATS = ("csv", "xlsx")


@dataclass
class ExportSpec:
    """What to export: the kind (``services.exports.KINDS``), the list's filter, a
    one-line description of it, and any filter the export does not apply."""

    kind: str
    flt: Any
    summary: str = ""
    not_applied: Sequence[str] = field(default_factory=tuple)


def exports_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "exports"


def default_path(data_dir: Path, kind: str, day: date, fmt: str = "csv") -> Path:
    """``<data dir>/exports/<kind>-<date>.<ext>``."""
    return exports_dir(data_dir) / f"{kind}-{day.isoformat()}.{fmt}"


def unique_path(path: Path) -> Path:
    """``path``, or ``name-2.ext``, ``name-3.ext`` … when it exists."""
    if not path.exists():
        return path
    n = 2
    while True:
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
        if not candidate.exists():
            return candidate
        n += 1


def with_format(text: str, fmt: str) -> str:
    """Swap a ``.csv``/``.xlsx`` ending for the chosen format's."""
    for ext in FORMATS:
        if text.lower().endswith("." + ext):
            return text[: -len(ext)] + fmt
    return text


def choose_path(values: dict[str, Any], data_dir: Path, default_text: str) -> tuple[Path, str]:
    """The form's (path, format), checked; runs in the dialog's thread worker.

    Refusals name the ``out`` field (the service's own name for it)."""
    from smsconsole.services.errors import Invalid, NotFound

    fmt = values.get("format") or "csv"
    if fmt not in FORMATS:
        raise Invalid("error.export.format", "format", format=fmt)
    text = (values.get("out") or "").strip()
    if not text:
        raise Invalid("export.error.path_required", "out")
    path = Path(text).expanduser()
    if not path.suffix:
        path = path.with_suffix("." + fmt)
    if path.is_dir():
        raise Invalid("export.error.is_dir", "out", path=str(path))
    data_dir = Path(data_dir).expanduser().resolve()
    parent = path.parent.expanduser().resolve()
    if not parent.exists():
        if parent == data_dir or data_dir in parent.parents:
            parent.mkdir(parents=True, exist_ok=True)  # our own exports folder
        else:
            raise NotFound("error.export.dir_missing", "out", dir=str(path.parent))
    if text == default_text:
        path = unique_path(path)
    return path, fmt


class ExportDialog(FormDialog):
    """Format and path, plus what is exported and what the export cannot filter."""

    def __init__(self, spec: ExportSpec, default_text: str,
                 submit: Callable[[dict[str, Any]], Any]) -> None:
        fields = [
            Field("format", "export.field.format", kind="select", value="csv", required=True,
                  choices=[("csv", "export.format.csv"), ("xlsx", "export.format.xlsx")]),
            Field("out", "export.field.out", value=default_text, required=True,
                  help_key="export.field.out.help"),
        ]
        super().__init__("export.title", fields, submit, submit_label_key="export.submit",
                         kind=t(f"export.kind.{spec.kind}"))
        self.spec = spec

    def compose_body(self) -> Iterable[Widget]:
        yield Tr("export.what", id="export-what",
                 what=self.spec.summary or t("datalist.no_filter"))
        if self.spec.not_applied:
            yield Tr("export.not_applied", id="export-not-applied",
                     filters=", ".join(self.spec.not_applied))
        yield from super().compose_body()

    @on(Select.Changed)
    def _format_changed(self, event: Select.Changed) -> None:
        if event.value not in FORMATS:
            return
        form = self.query_one(FormView)
        row = form.row("out")
        if row is not None:
            row.set_value(with_format(row.get_value() or "", str(event.value)))


def start_export(node: Widget, spec: ExportSpec,
                 on_finished: Callable[[ExportResult | None], None] | None = None) -> None:
    """Ask, then write: the whole export action for ``node`` (a page with ``services``).

    ``on_finished(result)`` gets the ``ExportResult`` (None when cancelled or closed)."""
    services = node.services  # type: ignore[attr-defined]
    data_dir = Path(services.ctx.data_dir)
    default_text = str(default_path(data_dir, spec.kind, services.ctx.clock.today()))
    lang = get_lang()

    def submit(values: dict[str, Any]) -> tuple[Path, str]:
        return choose_path(values, data_dir, default_text)

    def chosen(choice: tuple[Path, str] | None) -> None:
        if choice is None:
            return
        path, fmt = choice

        def work(progress: Progress) -> ExportResult:
            return services.exports.export(
                spec.kind, path, fmt, spec.flt, lang=lang,
                progress=lambda rows: progress.update(rows, None, t("export.progress.file",
                                                                      path=path.name)),
                cancelled=progress.is_cancelled)

        node.app.push_screen(ProgressDialog("export.progress.title", work,
                                            kind=t(f"export.kind.{spec.kind}")),
                             callback=lambda result: finished(result, path))

    def finished(result: ExportResult | None, path: Path) -> None:
        if result is None:
            node.app.notify(t("export.cancelled"), severity="warning", timeout=6)
        else:
            node.app.notify(t("export.done", rows=f"{result.rows:,}", path=str(result.path)),
                            title=t("export.done.title"), timeout=20)
        if on_finished is not None:
            on_finished(result)

    node.app.push_screen(ExportDialog(spec, default_text, submit), callback=chosen)


__all__ = ["ExportSpec", "ExportDialog", "start_export", "default_path", "unique_path",
           "choose_path", "exports_dir", "with_format", "FORMATS"]
