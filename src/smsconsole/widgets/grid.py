"""``Grid``: the DataTable every table of the console uses.

DataTable measures new rows' column widths on its next idle, but caches rendered rows by
an update count that measuring does not bump: a frame drawn between adding the rows and
the measure kept header-wide, cut columns ("2026-11-" for a date). ``Grid`` drops those
rendered rows once the measure is done.
"""

from __future__ import annotations

from textual.widgets import DataTable


class Grid(DataTable):
    def _update_dimensions(self, new_rows) -> None:
        super()._update_dimensions(new_rows)
        self._update_count += 1
        self.refresh()


__all__ = ["Grid"]
