"""What the practice window shows after a run: the scorecard (each step, the trainee's own words,
✓/✗ per coaching kind) and the score over runs as a plot."""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QLabel

from coach_app.practice import Scenario, Scorecard
from coach_app.ui.scorecard import ITEMS

KIND_LABEL = {kind: label for _, label, kind in ITEMS if kind} | {"monologue": "Kept answers short"}


def card_html(scenario: Scenario | None, card: Scorecard) -> str:
    steps = scenario.steps if scenario is not None else ()
    out = [f"<h3>Scorecard: {card.score}/{card.max}</h3>"]
    for s, step in zip(card.steps, steps):
        feeling = "" if step.emotion == "none" else f" <i>[{html.escape(step.emotion)}]</i>"
        said = html.escape(s.answer_text) if s.answer_text else "<i>(nothing recognised)</i>"
        out.append(f"<p><b>Step {s.step}</b>{feeling} customer: \u201c{html.escape(s.customer)}\u201d<br>"
                   f"&nbsp;&nbsp;you said: \u201c{said}\u201d</p><ul>")
        for kind, passed in s.kinds.items():
            mark = "<span style='color:#007a3d'>✓</span>" if passed else "<span style='color:#c0392b'>✗</span>"
            out.append(f"<li>{mark} {html.escape(KIND_LABEL.get(kind, kind))}</li>")
        if not s.kinds:
            out.append("<li>· nothing to do here but answer</li>")
        for kind in s.unexpected:
            out.append(f"<li><span style='color:#b06000'>⚠</span> the coach also nudged: "
                       f"{html.escape(KIND_LABEL.get(kind, kind))}</li>")
        out.append("</ul>")
    return "".join(out)


def progress_plot() -> pg.PlotWidget:
    plot = pg.PlotWidget(background="w")
    plot.setFixedHeight(170)
    plot.setTitle("Your score over runs", color="#222", size="11pt")
    plot.setLabel("left", "% of steps")
    plot.setLabel("bottom", "runs, oldest \u2192 newest")
    plot.showGrid(y=True, alpha=0.25)
    plot.setMouseEnabled(x=False, y=False)
    plot.hideButtons()
    return plot


def draw_progress(plot: pg.PlotWidget, first_run: QLabel, scores: list[float]) -> None:
    """Scores in % of the expected steps, oldest first; before any run, the `first_run` words instead."""
    first_run.setVisible(not scores)
    plot.setVisible(bool(scores))
    plot.clear()
    if not scores:
        return
    x = np.arange(1, len(scores) + 1, dtype=float)
    plot.plot(x, np.array(scores), pen=pg.mkPen("#0072B2", width=2), symbol="o", symbolSize=7,
              symbolBrush="#0072B2", symbolPen=None)
    plot.setYRange(-8, 108, padding=0)
    plot.getAxis("left").setTicks([[(float(v), str(v)) for v in (0, 25, 50, 75, 100)]])
    plot.setXRange(0.5, len(scores) + 0.5, padding=0)
    plot.getAxis("bottom").setTicks([[(float(i), str(i)) for i in range(1, len(scores) + 1)]])


__all__ = ["KIND_LABEL", "card_html", "draw_progress", "progress_plot"]
