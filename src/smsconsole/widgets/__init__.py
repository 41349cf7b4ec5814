"""Reusable widgets for the console's pages.

* ``PagedTable`` / ``Column`` — a keyset-paged, filterable table (``paged_table``).
* ``FormView`` / ``Field`` / ``Section`` — forms with per-field errors (``form``).
* ``Tr`` / ``keybind`` — texts and key labels that follow the language switch (``labels``).
* ``format`` — money (fen), counts, platform-local times, enum labels.

The dialogs (``FormDialog``, ``ConfirmDialog``, ``DetailDialog``, ``ProgressDialog``) are
in ``smsconsole.screens.dialogs``.
"""

from smsconsole.widgets.form import Field, FormView, Section
from smsconsole.widgets.labels import Tr, keybind, translate_bindings
from smsconsole.widgets.paged_table import Column, PagedTable

__all__ = ["PagedTable", "Column", "FormView", "Field", "Section", "Tr", "keybind",
           "translate_bindings"]
