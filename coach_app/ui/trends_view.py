"""Trends: four small plots over the agent's calls — pictures, not tables."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from coach_app.store.library import Library
from coach_app.store.trends import TrendPoint, trend_points

MIN_CALLS = 2  # one point is not a trend
MAX_TICKS = 8  # date labels under a plot; more would overlap
EMPTY = "Not enough calls yet: your trends appear here once you have two calls in your library."
# (key, title, left-axis label, colour, value); colours from the same Okabe-Ito set as the nudge marks
SERIES: tuple[tuple[str, str, str, str, Callable[[TrendPoint], float | None]], ...] = (
    ("gap", "Response gap (median per call)", "seconds", "#0072B2", lambda p: p.response_gap),
    ("emotions", "Emotions labelled", "% of emotion nudges", "#D55E00", lambda p: p.emotions_pct),
    ("timeframe", "Concrete timeframes", "% of timeframe nudges", "#CC79A7", lambda p: p.timeframe_pct),
    ("nudges", "Nudges per call", "nudges", "#555555", lambda p: float(p.nudges)),
)


def _values(points: list[TrendPoint], value: Callable[[TrendPoint], float | None]) -> np.ndarray:
    return np.array([math.nan if (v := value(p)) is None else v for p in points], dtype=float)


def _ticks(points: list[TrendPoint]) -> list[tuple[float, str]]:
    step = max(1, math.ceil(len(points) / MAX_TICKS))
    return [(float(i + 1), p.date.strftime("%d %b") if p.date else str(i + 1))
            for i, p in enumerate(points) if i % step == 0 or i == len(points) - 1]


class TrendsView(QWidget):
    def __init__(self, library: Library, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.points: list[TrendPoint] = []
        self.heading = QLabel("")
        self.heading.setStyleSheet("font-size: 15px; font-weight: bold;")
        self.empty = QLabel(EMPTY)
        self.empty.setStyleSheet("color: #555; font-size: 14px; padding: 24px;")
        self.empty.setWordWrap(True)
        self.graphs = pg.GraphicsLayoutWidget()
        self.graphs.setBackground("w")
        self.plots: dict[str, pg.PlotItem] = {}
        for i, (key, title, unit, _, _) in enumerate(SERIES):
            plot = self.graphs.addPlot(row=i // 2, col=i % 2)
            plot.setTitle(title, color="#222", size="11pt")
            plot.setLabel("left", unit)
            plot.setLabel("bottom", "your calls, oldest \u2192 newest")
            plot.showGrid(y=True, alpha=0.25)
            plot.setMouseEnabled(x=False, y=False)  # small pictures: nothing to pan
            plot.hideButtons()
            self.plots[key] = plot
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.empty)
        layout.addWidget(self.graphs, 1)

    def refresh(self) -> None:
        self.points = trend_points(self.library)
        enough = len(self.points) >= MIN_CALLS
        self.empty.setVisible(not enough)
        self.graphs.setVisible(enough)
        self.heading.setText(f"Your trends over your last {len(self.points)} calls" if enough else "Your trends")
        if enough:
            self._draw()

    def _draw(self) -> None:
        x = np.arange(1, len(self.points) + 1, dtype=float)
        ticks = [_ticks(self.points)]
        for key, title, _, colour, value in SERIES:
            plot = self.plots[key]
            plot.clear()
            y = _values(self.points, value)
            if not np.isfinite(y).any():
                pass  # nothing to draw; the title says so
            elif key == "nudges":
                plot.addItem(pg.BarGraphItem(x=x, height=y, width=0.6, brush=colour, pen=None))
            else:  # gaps (calls without that nudge) stay gaps, not zeros
                plot.plot(x, y, pen=pg.mkPen(colour, width=2), symbol="o", symbolSize=7, symbolBrush=colour,
                          symbolPen=None, connect="finite")
            if key in ("emotions", "timeframe"):
                plot.setYRange(0, 100, padding=0.05)
            else:
                plot.setYRange(0, max(1.0, float(np.nanmax(y)) if np.isfinite(y).any() else 1.0), padding=0.08)
            plot.setXRange(0.5, len(x) + 0.5, padding=0)
            plot.getAxis("bottom").setTicks(ticks)
            shown = int(np.isfinite(y).sum())
            plot.setTitle(title if shown else f"{title} \u2014 none yet", color="#222", size="11pt")


__all__ = ["EMPTY", "MIN_CALLS", "SERIES", "TrendsView"]
