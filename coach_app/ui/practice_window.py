"""The practice window: pick a scenario, hear (or read) the customer, answer each step with a recorded
WAV, get the scorecard of the headless run (coach_app.practice), retry, see progress over runs.

Scoring runs the real engine on a worker thread; a QTimer in the GUI thread picks up the result, as
in MainWindow. Live microphone answers are not part of this window yet.
"""

from __future__ import annotations

import html
import json
import sys
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QApplication, QFileDialog, QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QMainWindow, QPushButton,
    QTextBrowser, QVBoxLayout, QWidget,
)

from coach_app import paths
from coach_app.audio import SAMPLE_RATE
from coach_app.audio.capture import output_device
from coach_app.practice import Answer, Scenario, Scorecard, catalogue, load_answers, run_practice
from coach_app.practice.session import customer_audio
from coach_app.settings import Settings
from coach_app.store.library import Library
from coach_app.ui.scorecard import ITEMS

KIND_LABEL = {kind: label for _, label, kind in ITEMS if kind} | {"monologue": "Kept answers short"}
FIRST_RUN = "First run of this scenario: your progress appears here after each run."
NO_TEXT_VOICE = "flite speaks English only: read the customer's line on screen."


def output_problem(sd_module: Any = None) -> str:
    """Plain words when nothing can play sound; '' when a speaker or headset exists."""
    problem = output_device(sd_module)[1]
    return f"{problem} Read the customer's line on screen and answer as usual." if problem else ""


class PracticeWindow(QMainWindow):
    def __init__(self, settings: Settings, engine: str = "sphinx", library: Library | None = None,
                 sd_module: Any = None) -> None:
        super().__init__()
        self.settings, self.engine, self.library, self._sd_module = settings, engine, library, sd_module
        self.scenarios = [s for s, _ in catalogue().scenarios]
        self.scenario: Scenario | None = None
        self.answers: list[Answer] = []
        self.card: Scorecard | None = None
        self._started = time.monotonic()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="practice")
        self._future: Future | None = None
        self._poll = QTimer(self)
        self._poll.setInterval(50)
        self._poll.timeout.connect(self._check_future)
        self.setWindowTitle("coach_app — practice")
        self.resize(1100, 760)

        self.picker = QListWidget()
        self.picker.setMaximumWidth(320)  # no word wrap: it elides CJK titles instead of wrapping them
        for s in self.scenarios:
            item = QListWidgetItem(f"{s.title}\n{s.language} · {len(s.steps)} steps")
            item.setData(Qt.ItemDataRole.UserRole, s.id)
            item.setSizeHint(QSize(0, round(self.picker.fontMetrics().lineSpacing() * 2.8)))  # CJK lines are taller
            self.picker.addItem(item)
        self.picker.currentRowChanged.connect(lambda row: self.select(self.scenarios[row].id) if row >= 0 else None)

        self.title = QLabel("Pick a scenario")
        self.title.setFont(QFont(self.title.font().family(), 16, QFont.Weight.Bold))
        self.description = QLabel("")
        self.description.setWordWrap(True)
        self.step_label = QLabel("")
        self.customer = QLabel("")  # always shown: practice works with no TTS
        self.customer.setWordWrap(True)
        self.customer.setStyleSheet("font-size: 17px; padding: 10px; background: #f3f3f3; border-radius: 6px;")
        self.play_button = QPushButton("▶ Play customer line")
        self.play_button.clicked.connect(self.play_line)
        self.answer_button = QPushButton("Use recorded answer…")
        self.answer_button.setToolTip("A WAV of your answer to this line (live microphone answers: not yet)")
        self.answer_button.clicked.connect(self._choose_answer)
        self.retry_button = QPushButton("↺ Retry")
        self.retry_button.clicked.connect(self.retry)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.scorecard = QTextBrowser()
        self.progress = pg.PlotWidget(background="w")
        self.progress.setFixedHeight(170)
        self.progress.setTitle("Your score over runs", color="#222", size="11pt")
        self.progress.setLabel("left", "% of steps")
        self.progress.setLabel("bottom", "runs, oldest \u2192 newest")
        self.progress.showGrid(y=True, alpha=0.25)
        self.progress.setMouseEnabled(x=False, y=False)
        self.progress.hideButtons()
        self.first_run = QLabel(FIRST_RUN)
        self.first_run.setStyleSheet("color: #555;")

        buttons = QHBoxLayout()
        for b in (self.play_button, self.answer_button, self.retry_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        right = QVBoxLayout()
        for w in (self.title, self.description, self.step_label, self.customer):
            right.addWidget(w)
        right.addLayout(buttons)
        right.addWidget(self.status)
        right.addWidget(self.scorecard, 1)
        right.addWidget(self.first_run)
        right.addWidget(self.progress)
        body = QHBoxLayout()
        body.addWidget(self.picker)
        body.addLayout(right, 1)
        central = QWidget()
        central.setLayout(body)
        self.setCentralWidget(central)
        self._show_step()

    # --- the run ---------------------------------------------------------------------------------

    def select(self, scenario_id: str) -> None:
        self.scenario = next(s for s in self.scenarios if s.id == scenario_id)
        row = self.scenarios.index(self.scenario)
        if self.picker.currentRow() != row:
            self.picker.setCurrentRow(row)  # re-enters select() once, harmlessly
        self.retry()

    def retry(self) -> None:
        self.answers, self.card = [], None
        self._started = time.monotonic()
        self.scorecard.clear()
        self.status.setText("")
        self._show_step()
        self._draw_progress()

    def use_answer(self, path: str | Path) -> bool:
        """The trainee's answer to the current step, from a WAV; scores when all steps have one."""
        if self.scenario is None or self._busy() or len(self.answers) >= len(self.scenario.steps):
            return False
        try:
            answer = load_answers([Path(path)], 1, self.settings.vad)[0]
        except Exception as exc:  # AudioFileError and friends: a message, and the step stays open
            self.status.setText(f"That answer could not be used: {exc}")
            return False
        self.answers.append(answer)
        self.status.setText(f"Answer {len(self.answers)} taken (you waited {answer.onset:.1f} s).")
        if len(self.answers) == len(self.scenario.steps):
            self._start_scoring()
        self._show_step()
        return True

    def play_line(self) -> None:
        if self.scenario is None or self._step() is None:
            return
        if self.scenario.language != "en":
            self.status.setText(NO_TEXT_VOICE)
            return
        problem = output_problem(self._sd_module)
        if problem:
            self.status.setText(problem)
            return
        try:
            audio = customer_audio(self.scenario)[len(self.answers)]  # rendered once, then cached
            sd, _ = output_device(self._sd_module)
            sd.play(np.asarray(audio, np.float32), SAMPLE_RATE)
        except Exception as exc:  # no flite, a device that went away: the text is still there
            self.status.setText(f"Could not play the line ({exc}); read it on screen.")

    def _start_scoring(self) -> None:
        assert self.scenario is not None
        if self.scenario.language != "en":
            self.status.setText(f"Scoring a '{self.scenario.language}' scenario needs a customer voice in that "
                                "language, and flite speaks English only.")
            return
        self.status.setText("Scoring your answers…")
        self._future = self._pool.submit(self._score, self.scenario, list(self.answers))
        self._poll.start()

    def _score(self, scenario: Scenario, answers: list[Answer]) -> Scorecard:
        from coach_app.asr.select import choose_engine  # worker thread: the GUI never waits on this

        settings = replace(self.settings, language=scenario.language)
        choice = choose_engine(self.engine, scenario.language, paths.models_dir())
        keep = self.library.new_recording_path() if self.library is not None else None
        return run_practice(scenario, answers, settings, choice.factory, keep_as=keep)

    def _check_future(self) -> None:
        if self._future is None or not self._future.done():
            return
        self._poll.stop()
        future, self._future = self._future, None
        try:
            card = future.result()
        except Exception as exc:
            self.status.setText(f"Scoring failed: {exc}")
            return
        self.card = card
        self.status.setText(f"Score: {card.score}/{card.max}")
        self.scorecard.setHtml(self._card_html(card))
        if self.library is not None and self.scenario is not None:
            call_id = None
            if card.recording is not None:  # the run is recorded like a call, for the trainee's own review
                call_id = self.library.save_call(card.recording, card.events, card.summary, source="practice",
                                                 language=self.scenario.language, copy_audio=False)
            self.library.add_practice_run(self.scenario.id, call_id, round(time.monotonic() - self._started, 1),
                                          card.to_dict())
        self._draw_progress()

    def wait_for_scoring(self, timeout: float = 120.0) -> None:
        """Block until the worker is done and its result shown (tests, automation)."""
        if self._future is not None:
            self._future.result(timeout)
            self._check_future()

    def _busy(self) -> bool:
        return self._future is not None

    # --- what is shown ---------------------------------------------------------------------------

    def _step(self) -> int | None:
        if self.scenario is None or len(self.answers) >= len(self.scenario.steps):
            return None
        return len(self.answers)

    def _show_step(self) -> None:
        s, n = self.scenario, self._step()
        self.title.setText(s.title if s else "Pick a scenario")
        self.description.setText(s.description if s else "")
        self.play_button.setEnabled(n is not None)
        self.answer_button.setEnabled(n is not None)
        self.retry_button.setEnabled(s is not None)
        if s is None:
            self.step_label.setText("")
            self.customer.setText("")
        elif n is None:
            self.step_label.setText(f"All {len(s.steps)} steps answered")
            self.customer.setText("")
            self.customer.setVisible(False)
        else:
            step = s.steps[n]
            feeling = "" if step.emotion == "none" else f" — the customer sounds {step.emotion}"
            self.step_label.setText(f"Step {n + 1} of {len(s.steps)}{feeling}")
            self.customer.setText(f"Customer: \u201c{step.customer}\u201d")
            self.customer.setVisible(True)

    def _card_html(self, card: Scorecard) -> str:
        assert self.scenario is not None
        out = [f"<h3>Scorecard: {card.score}/{card.max}</h3>"]
        for s, step in zip(card.steps, self.scenario.steps):
            feeling = "" if step.emotion == "none" else f" <i>[{html.escape(step.emotion)}]</i>"
            said = html.escape(s.answer_text) if s.answer_text else "<i>(nothing recognised)</i>"
            out.append(f"<p><b>Step {s.step}</b>{feeling} customer: \u201c{html.escape(s.customer)}\u201d<br>"
                       f"&nbsp;&nbsp;you said: \u201c{said}\u201d</p><ul>")
            for kind, passed in s.kinds.items():
                mark = ("<span style='color:#007a3d'>✓</span>" if passed
                        else "<span style='color:#c0392b'>✗</span>")
                out.append(f"<li>{mark} {html.escape(KIND_LABEL.get(kind, kind))}</li>")
            if not s.kinds:
                out.append("<li>· nothing to do here but answer</li>")
            for kind in s.unexpected:
                out.append(f"<li><span style='color:#b06000'>⚠</span> the coach also nudged: "
                           f"{html.escape(KIND_LABEL.get(kind, kind))}</li>")
            out.append("</ul>")
        return "".join(out)

    def past_scores(self) -> list[float]:
        """This scenario's saved runs, as % of the expected steps done, oldest first."""
        if self.library is None or self.scenario is None:
            return []
        scores = []
        for row in self.library.db.query("SELECT result_json FROM practice_runs WHERE scenario = ? ORDER BY id",
                                         [self.scenario.id]):
            result = json.loads(row["result_json"] or "{}")
            if result.get("max"):
                scores.append(100.0 * result["score"] / result["max"])
        return scores

    def _draw_progress(self) -> None:
        scores = self.past_scores()
        self.first_run.setVisible(not scores)
        self.progress.setVisible(bool(scores))
        self.progress.clear()
        if scores:
            x = np.arange(1, len(scores) + 1, dtype=float)
            self.progress.plot(x, np.array(scores), pen=pg.mkPen("#0072B2", width=2), symbol="o", symbolSize=7,
                               symbolBrush="#0072B2", symbolPen=None)
            self.progress.setYRange(-8, 108, padding=0)
            self.progress.getAxis("left").setTicks([[(float(v), str(v)) for v in (0, 25, 50, 75, 100)]])
            self.progress.setXRange(0.5, len(scores) + 0.5, padding=0)
            self.progress.getAxis("bottom").setTicks([[(float(i), str(i)) for i in range(1, len(scores) + 1)]])

    def _choose_answer(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Your recorded answer", "", "Audio (*.wav *.flac *.ogg)")
        if path:
            self.use_answer(path)

    def closeEvent(self, event: Any) -> None:
        self._poll.stop()
        self._pool.shutdown(wait=False, cancel_futures=True)
        super().closeEvent(event)


def run_practice_window(scenario: str | None = None, engine: str = "sphinx") -> int:
    """`coach-app practice --window [SCENARIO]`; runs are saved when the library can be opened."""
    from coach_app.settings import load_settings
    from coach_app.store import StoreError
    from coach_app.store.library import default_root

    settings = load_settings(paths.data_dir(create=False) / "settings.toml")
    try:
        library: Library | None = Library(default_root())
    except StoreError as exc:
        print(f"coach-app practice: runs will not be saved ({exc})", file=sys.stderr)
        library = None
    app = QApplication.instance() or QApplication(sys.argv[:1])
    window = PracticeWindow(settings, engine, library)
    if scenario and any(s.id == scenario for s in window.scenarios):
        window.select(scenario)
    elif scenario:
        print(f"coach-app practice: no scenario {scenario!r}; pick one in the window", file=sys.stderr)
    window.show()
    try:
        return app.exec()
    finally:
        if library is not None:
            library.close()


__all__ = ["FIRST_RUN", "PracticeWindow", "output_problem", "run_practice_window"]
