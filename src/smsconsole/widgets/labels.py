"""Texts and key bindings that follow a live language switch (zh ⇄ en).

* ``Tr(key, **params)``: a Static showing a catalog key; re-renders itself on a switch.
* ``keybind(key, action, id)``: a ``Binding`` whose footer label is the catalog entry
  ``key.<id>`` and whose tooltip is ``key.<id>.tip``. Any binding with an ``id`` that has
  a ``key.<id>`` entry is translated, so plain ``Binding(..., id="users.freeze")`` works
  too once ``key.users.freeze`` is in a catalog.
* ``translate_bindings(node)`` rewrites the footer labels of a node (and its children)
  in the current language; ``language_changed(app)`` does it everywhere and calls each
  node's ``on_language_changed()`` hook.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from textual.binding import Binding
from textual.widgets import Static

from smsconsole.i18n import has_key, t

if TYPE_CHECKING:
    from textual.app import App
    from textual.dom import DOMNode

# Textual's own bindings we relabel (they have no id).
_BUILTIN = {
    "app.command_palette": "key.palette",
    "command_palette": "key.palette",
    "app.quit": "key.quit",
    "quit": "key.quit",
}


def has_text(key: str) -> bool:
    return has_key(key)


def keybind(key: str, action: str, id: str, *, show: bool = True, priority: bool = False,
            key_display: str | None = None, system: bool = False) -> Binding:
    """A binding labelled from the catalog (``key.<id>``, tooltip ``key.<id>.tip``)."""
    tip = f"key.{id}.tip"
    return Binding(key, action, t(f"key.{id}"), show=show, key_display=key_display,
                   priority=priority, tooltip=t(tip) if has_text(tip) else t(f"key.{id}"),
                   id=id, system=system)


def _translated(binding: Binding) -> Binding:
    label = f"key.{binding.id}" if binding.id else _BUILTIN.get(binding.action)
    if not label or not has_text(label):
        return binding
    tip = label + ".tip"
    return replace(binding, description=t(label),
                   tooltip=t(tip) if has_text(tip) else t(label))


def translate_bindings(node: DOMNode, *, deep: bool = True) -> None:
    """Relabel the bindings of ``node`` (and its descendants) in the current language."""
    nodes = node.walk_children(with_self=True) if deep else [node]
    for each in nodes:
        table = each._bindings.key_to_bindings
        for key, bindings in list(table.items()):
            table[key] = [_translated(b) for b in bindings]


def language_changed(app: App) -> None:
    """After ``set_lang``: relabel every binding and call every ``on_language_changed``."""
    translate_bindings(app, deep=False)
    for screen in list(app.screen_stack):
        for node in screen.walk_children(with_self=True):
            translate_bindings(node, deep=False)
            hook = getattr(node, "on_language_changed", None)
            if callable(hook):
                hook()
    app.refresh_bindings()


def set_label(button, text: str) -> None:
    """Change a Button's label and re-lay it out (Textual's ``Button.label`` repaints
    without resizing, so a longer label would be cut)."""
    button.label = text
    button.refresh(layout=True)


class Tr(Static):
    """A label showing a catalog key in the current language.

    ``Tr("home.quota.title")``; change it with ``set_key(key, **params)``.
    """

    def __init__(self, key: str, *, markup: bool = False, id: str | None = None,
                 classes: str | None = None, **params: object) -> None:
        super().__init__(t(key, **params), markup=markup, id=id, classes=classes)
        self.key = key
        self.params = params

    def set_key(self, key: str, **params: object) -> None:
        self.key, self.params = key, params
        self.update(t(key, **params))

    def on_language_changed(self) -> None:
        self.update(t(self.key, **self.params))


__all__ = ["Tr", "keybind", "translate_bindings", "language_changed", "has_text", "set_label"]
