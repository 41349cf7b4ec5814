"""``TrendChart``: a plotext line chart of per-day totals (statistics, §2.11).

Two halves, as house-style.md asks (plotext's state is global; no data work in a draw):

* ``trend_data(rows)`` turns ``DayRow``s into a ``ChartData`` — plain tuples, no plotext —
  and runs in the page's thread worker together with the query;
* ``TrendChart.render()`` runs on the main thread: it clears plotext's one global figure,
  draws the prepared series at the widget's size and keeps the result until the data,
  the size, the language or the colour mode changes.

Each series has its own marker (• total, o delivered, x failed), so the chart reads the
same with ``NO_COLOR`` (then drawn colourless); the same data at the same size always
gives the same text (snapshots).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rich.console import Group
from rich.text import Text
from textual.widget import Widget

from smsconsole.i18n import get_lang, t

# (attribute of DayRow, catalog key, marker, 256-colour index, rich colour)
SERIES = (
    ("total", "chart.total", "•", 12, "bright_blue"),
    ("delivered", "chart.delivered", "o", 10, "bright_green"),
    ("failed", "chart.failed", "x", 9, "bright_red"),
)
MAX_TICKS = 7


@dataclass(frozen=True)
class Series:
    key: str
    label_key: str
    marker: str
    color: int
    rich_color: str
    values: tuple[int, ...]


@dataclass(frozen=True)
class Panel:
    """One plot: its series share a y axis (whole-number ticks from 0 to ``top``)."""

    series: tuple[Series, ...]
    top: int
    yticks: tuple[int, ...]


@dataclass(frozen=True)
class ChartData:
    """What the chart draws: one x position per day, tick labels, and two panels —
    total and delivered above, failed below on its own scale, so that a failure spike
    of a few dozen stays visible next to thousands delivered."""

    labels: tuple[str, ...]  # one per point ("11-25")
    ticks: tuple[int, ...]  # 1-based positions that carry a label
    panels: tuple[Panel, ...]

    @property
    def series(self) -> tuple[Series, ...]:
        return tuple(s for p in self.panels for s in p.series)

    @property
    def empty(self) -> bool:
        return not self.labels


def tick_positions(n: int, most: int = MAX_TICKS) -> tuple[int, ...]:
    """Up to ``most`` evenly spread 1-based positions including the first and last."""
    if n <= 0:
        return ()
    if n <= most:
        return tuple(range(1, n + 1))
    step = (n - 1) / (most - 1)
    return tuple(sorted({1 + round(i * step) for i in range(most)}))


def _panel(series: tuple[Series, ...], steps: int) -> Panel:
    top = max((max(s.values, default=0) for s in series), default=0)
    step = max(1, -(-top // steps))  # whole-number steps that cover the highest value
    return Panel(series, step * steps, tuple(step * i for i in range(steps + 1)))


def trend_data(rows: Sequence[Any], series: Sequence[tuple] = SERIES) -> ChartData:
    """``DayRow``s (oldest first) → ``ChartData``. Pure; call it in the worker."""
    labels = tuple(r.day.strftime("%m-%d") for r in rows)
    out = tuple(Series(key, label_key, marker, color, rich,
                       tuple(int(getattr(r, key)) for r in rows))
                for key, label_key, marker, color, rich in series)
    volume = tuple(s for s in out if s.key != "failed")
    failed = tuple(s for s in out if s.key == "failed")
    panels = tuple(p for p in (_panel(volume, 4) if volume else None,
                               _panel(failed, 2) if failed else None) if p)
    return ChartData(labels, tick_positions(len(labels)), panels)


def _plot(panel: Panel, data: ChartData, width: int, height: int, colorless: bool,
          x_labels: bool, label_width: int) -> str:
    import plotext

    fig = plotext.figure
    fig.clear()
    fig.theme("simple")
    fig.plot_size(max(width, 20), max(height, 4))
    xs = list(range(1, len(data.labels) + 1))
    for s in panel.series:
        signal = fig.signal(xs, list(s.values), marker=s.marker)
        signal.lines()
        fig.draw(signal)
    if x_labels:
        fig.ruler("x").ticks(list(data.ticks), [data.labels[i - 1] for i in data.ticks])
    else:
        fig.ruler("x").ticks([], [])
    fig.ruler("y").lim(0, panel.top)
    # Same label width in both panels, so their plots line up.
    fig.ruler("y").ticks(list(panel.yticks),
                         [f"{v:,}".rjust(label_width) for v in panel.yticks])
    fig.legend(False)
    text = fig.build().string(colorless=colorless)
    fig.clear()
    return text.rstrip("\n")


def plot_text(data: ChartData, width: int, height: int, *, colorless: bool) -> str:
    """Draw ``data`` with plotext at ``width`` × ``height`` cells (the volume panel gets
    about two thirds of the height). Main thread only: plotext's figure is global."""
    label_width = max(len(f"{v:,}") for p in data.panels for v in p.yticks)
    if len(data.panels) == 1:
        return _plot(data.panels[0], data, width, height, colorless, True, label_width)
    # The failed panel gets a plot row per y tick (plus its frame and the day labels):
    # with fewer rows plotext puts 0 on the row of the next tick up, and a month of days
    # without failures was drawn as a flat line at "6".
    low = data.panels[1]
    bottom_h = max(len(low.yticks) + 3, height - max(5, round(height * 0.65)))
    top_h = max(5, height - bottom_h)
    parts = [_plot(data.panels[0], data, width, top_h, colorless, False, label_width),
             _plot(low, data, width, bottom_h, colorless, True, label_width)]
    return "\n".join(parts)


class TrendChart(Widget):
    """The trend of total / delivered / failed per day; ``set_data(trend_data(rows))``."""

    DEFAULT_CSS = """
    TrendChart { height: 14; width: 1fr; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.data: ChartData | None = None
        self._cache: tuple[tuple, Group] | None = None

    def set_data(self, data: ChartData | None) -> None:
        self.data = data
        self._cache = None
        self.refresh()

    @property
    def colorless(self) -> bool:
        return bool(getattr(self.app, "no_color", False))

    def legend(self) -> Text:
        line = Text(no_wrap=True, overflow="ellipsis")
        for index, s in enumerate(self.data.series if self.data else ()):
            if index:
                line.append("   ")
            line.append(s.marker, style="" if self.colorless else f"bold {s.rich_color}")
            line.append(f" {t(s.label_key)}")
        return line

    def render(self) -> Any:
        width, height = self.content_size
        if self.data is None:
            return Text(t("chart.loading"), style="dim")
        if self.data.empty:
            return Text(t("chart.empty"), style="dim")
        key = (id(self.data), width, height, self.colorless, get_lang())
        if self._cache is None or self._cache[0] != key:
            raw = plot_text(self.data, width, max(height - 1, 5), colorless=self.colorless)
            chart = Text(raw, no_wrap=True) if self.colorless else Text.from_ansi(raw,
                                                                                  no_wrap=True)
            self._cache = (key, Group(chart, self.legend()))
        return self._cache[1]

    def on_resize(self) -> None:
        self._cache = None

    def on_language_changed(self) -> None:
        self._cache = None
        self.refresh()


__all__ = ["TrendChart", "ChartData", "Panel", "Series", "trend_data", "tick_positions",
           "plot_text", "SERIES"]
