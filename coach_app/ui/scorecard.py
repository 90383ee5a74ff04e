"""The agent's own scorecard for one call: pre-filled from what the coach detected, theirs to change.

Only the agent's edits are stored (`Library.set_score`); the pre-fill is recomputed from the nudges,
so an untouched item always says what the coach saw.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QGridLayout, QLabel, QWidget

from coach_app.ui.waveform_lanes import DONE

# (stored item name, what the agent reads, the nudge kind it is judged from; None: the agent's call only)
ITEMS = (
    ("waited", "Waited before answering", "pause"),
    ("labelled_emotion", "Labelled the emotion", "label_emotion"),
    ("offered_help", "Offered help", "help_offer"),
    ("concrete_timeframe", "Gave a concrete timeframe", "timeframe"),
    ("avoided_why", "Avoided \u201cwhy\u201d", "why_question"),
    ("sincere_apology", "Sincere apology", "hollow_apology"),
    ("asked_questions", "Asked open / probing questions", None),
    ("proactive_close", "Proactive close", "closing"),
    ("ended_positively", "Ended positively", None),
)
CHOICES = (("\u2014", None), ("Yes", 1.0), ("Partly", 0.5), ("No", 0.0))


def prefill(nudges: list[dict]) -> dict[str, tuple[float | None, str]]:
    """item -> (value, why). No nudge of a kind: nothing missed; all missed: no; some done: partly."""
    result: dict[str, tuple[float | None, str]] = {}
    for item, _, kind in ITEMS:
        if kind is None:
            result[item] = (None, "yours to judge")
            continue
        mine = [n for n in nudges if n["kind"] == kind]
        done = sum(n.get("outcome") in DONE for n in mine)
        missed = len(mine) - done
        if not mine:
            result[item] = (1.0, "no nudge")
        else:
            value = 1.0 if not missed else 0.5 if done else 0.0
            result[item] = (value, ", ".join(p for p in (f"{missed} missed" if missed else "",
                                                         f"{done} done" if done else "") if p))
    return result


class Scorecard(QWidget):
    score_changed = Signal(str, object)  # item, value (None: not judged)

    def __init__(self, parent=None):
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setVerticalSpacing(3)
        self.combos: dict[str, QComboBox] = {}
        self.hints: dict[str, QLabel] = {}
        for row, (item, text, _) in enumerate(ITEMS):
            combo = QComboBox()
            for label, value in CHOICES:
                combo.addItem(label, value)
            combo.currentIndexChanged.connect(lambda _i, item=item: self._edited(item))
            hint = QLabel("")
            hint.setStyleSheet("color: #666;")
            grid.addWidget(QLabel(text), row, 0)
            grid.addWidget(combo, row, 1)
            grid.addWidget(hint, row, 2)
            self.combos[item], self.hints[item] = combo, hint
        self.total = QLabel("")
        self.total.setStyleSheet("font-weight: bold;")
        grid.addWidget(self.total, len(ITEMS), 0, 1, 3)
        grid.setColumnStretch(2, 1)

    def show_scores(self, nudges: list[dict], scores: list[dict]) -> None:
        coach = prefill(nudges)
        saved = {s["item"]: s for s in scores}
        for item, _, _ in ITEMS:
            value, why = coach[item]
            edited = item in saved and saved[item]["edited_by_agent"]
            if edited:
                value = saved[item]["value"]
            combo = self.combos[item]
            combo.blockSignals(True)  # filling in is not an edit
            combo.setCurrentIndex(_index(value))
            combo.blockSignals(False)
            self.hints[item].setText(f"\u270e yours (coach: {why})" if edited else f"coach: {why}")
        self._sum()

    def value(self, item: str) -> float | None:
        return self.combos[item].currentData()

    def _edited(self, item: str) -> None:
        self.hints[item].setText("\u270e yours")
        self._sum()
        self.score_changed.emit(item, self.value(item))

    def _sum(self) -> None:
        values = [v for v in (self.value(i) for i, _, _ in ITEMS) if v is not None]
        self.total.setText(f"{sum(values):g} of {len(values)}" if values else "")


def _index(value: float | None) -> int:
    return next((i for i, (_, v) in enumerate(CHOICES) if v == value), 0)
