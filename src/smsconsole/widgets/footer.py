"""The footer of key hints: the page's (and the focused widget's) own keys first, then
the screen's, then the app's; at a narrow width the hints that do not fit whole are
left out instead of being cut mid-word (``?`` lists every key)."""

from __future__ import annotations

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey


class ConsoleFooter(Footer):
    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        active = self.screen.active_bindings
        ranked: list[tuple[int, int, object, bool, str]] = []
        seen: set[str] = set()
        for index, (node, binding, enabled, tooltip) in enumerate(active.values()):
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            rank = 2 if node is self.app else 1 if isinstance(node, Screen) else 0
            ranked.append((rank, index, binding, enabled, tooltip))
        ranked.sort(key=lambda r: (r[0], r[1]))
        for _rank, _index, binding, enabled, tooltip in ranked:
            yield FooterKey(binding.key, self.app.get_key_display(binding),  # type: ignore[attr-defined]
                            binding.description, binding.action,  # type: ignore[attr-defined]
                            disabled=not enabled, tooltip=tooltip,
                            ).data_bind(compact=Footer.compact)
        if self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE:
            found = active.get(self.app.COMMAND_PALETTE_BINDING)
            if found is not None:
                _node, binding, enabled, _tooltip = found
                yield FooterKey(binding.key, self.app.get_key_display(binding),
                                binding.description, binding.action,
                                classes="-command-palette", disabled=not enabled,
                                tooltip=binding.tooltip or binding.description)

    def on_mount(self) -> None:
        self.call_after_refresh(self._fit)

    def on_resize(self) -> None:
        self.call_after_refresh(self._fit)

    def _key_width(self, key: FooterKey) -> int:
        return cell_len(key.render().plain)

    def _fit(self) -> None:
        """Show the hints, in order, while they fit whole; the palette key keeps its place."""
        width = self.size.width
        if not width:
            return
        keys = [k for k in self.query(FooterKey) if not k.has_class("-command-palette")]
        palette = [k for k in self.query(FooterKey) if k.has_class("-command-palette")]
        room = width - sum(self._key_width(k) for k in palette) - 1
        used, full = 0, False
        for key in keys:
            need = self._key_width(key)
            full = full or used + need > room
            key.display = not full
            if not full:
                used += need

    _shown: tuple | None = None

    def _hints(self) -> tuple | None:
        """What ``compose`` draws from, to compare."""
        if not self._bindings_ready or not self.is_attached:
            return None
        return (self.compact, self.show_command_palette, tuple(
            (node is self.app, isinstance(node, Screen), binding.key, binding.action,
             binding.description, binding.show, enabled, tooltip)
            for node, binding, enabled, tooltip in self.screen.active_bindings.values()))

    async def recompose(self) -> None:
        # The screen says its bindings changed at each focus move, mostly with the same
        # keys: a recompose replaces every hint (~3 ms), ~10 times between login and home.
        hints = self._hints()
        if hints is not None and hints == self._shown:
            return
        self._shown = hints
        await super().recompose()
        # Fitted at once: after the next refresh, a frame could show the new hints
        # overflowing the width.
        self._fit()
