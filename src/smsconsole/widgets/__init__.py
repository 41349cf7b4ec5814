"""Reusable widgets for the console's pages.

* ``PagedTable`` / ``Column`` — a keyset-paged, filterable table (``paged_table``).
* ``FormView`` / ``Field`` / ``Section`` — forms with per-field errors (``form_view``).
* ``Tr`` / ``keybind`` — texts and key labels that follow the language switch (``labels``).
* ``format`` — money (fen), counts, platform-local times, enum labels.

The dialogs (``FormDialog``, ``ConfirmDialog``, ``DetailDialog``, ``ProgressDialog``) are
in ``smsconsole.screens.dialogs``.
"""

from smsconsole.widgets.labels import Tr, keybind, translate_bindings

# The table and the form are imported on first use (PEP 562): the login screen, drawn
# before anything else, needs only the labels.
_LAZY = {"PagedTable": "paged_table", "Column": "paged_table", "FormView": "form_view",
         "Field": "form_view", "Section": "form_view"}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"smsconsole.widgets.{_LAZY[name]}"), name)
    raise AttributeError(name)


__all__ = ["PagedTable", "Column", "FormView", "Field", "Section", "Tr", "keybind",
           "translate_bindings"]
