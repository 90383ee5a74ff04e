"""The practice window: pick a scenario, then either answer live into the microphone (the customer
speaks each line and moves on when you stop; the live overlay coaches as on a real call:
ui/practice_live.py) or answer each step with a recorded WAV (scored headlessly, coach_app.practice).
Then the scorecard with your own words, replay in the review window, retry, progress over runs.

Slow work (voices, models, scoring) runs on a worker thread; a QTimer in the GUI thread picks up the
result, as in MainWindow.
"""

from __future__ import annotations

import json
import sys
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QApplication, QFileDialog, QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QMainWindow, QPushButton,
    QTextBrowser, QVBoxLayout, QWidget,
)

from coach_app import paths
from coach_app.audio import SAMPLE_RATE
from coach_app.audio.capture import input_devices, output_device
from coach_app.practice import Answer, Scenario, Scorecard, catalogue, load_answers, run_practice
from coach_app.practice.live_run import Mic
from coach_app.practice.session import customer_audio
from coach_app.settings import Settings
from coach_app.store.library import Library
from coach_app.ui.practice_live import PracticeLiveRun, microphone, speaker
from coach_app.ui.practice_results import card_html, draw_progress, progress_plot

FIRST_RUN = "First run of this scenario: your progress appears here after each run."
HINT_AFTER_S = 12.0  # silence after a line before the window mentions the Next line button
START_LIVE = "\u25cf Start: answer with the microphone"  # emoji have no glyph in many desktop fonts


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
        self._then: Any = None  # what to do with the worker's result, in the GUI thread
        self._failed = ""  # how to begin the message when the worker fails
        self.live: PracticeLiveRun | None = None
        self.last_call_id: int | None = None  # the last run, as a call in the library (for replay)
        self._review: Any = None
        self._poll = QTimer(self)
        self._poll.setInterval(50)
        self._poll.timeout.connect(self._check_future)
        self.setWindowTitle("coach_app — practice")
        self.resize(1100, 760)

        self.picker = QListWidget()
        self.picker.setMaximumWidth(320)  # no word wrap: it elides CJK titles instead of wrapping them
        for s in self.scenarios:
            self._list(s)
        self.picker.currentRowChanged.connect(lambda row: self.select(self.scenarios[row].id) if row >= 0 else None)

        self.title = QLabel("Pick a scenario")
        self.title.setFont(QFont(self.title.font().family(), 16, QFont.Weight.Bold))
        self.description = QLabel("")
        self.description.setWordWrap(True)
        self.step_label = QLabel("")
        self.customer = QLabel("")  # always shown: practice works with no TTS
        self.customer.setWordWrap(True)
        self.customer.setStyleSheet("font-size: 17px; padding: 10px; background: #f3f3f3; border-radius: 6px;")
        self.live_button = QPushButton(START_LIVE)
        self.live_button.setToolTip("The customer speaks each line; answer aloud and stop talking when you are done")
        self.live_button.clicked.connect(lambda: self.stop_live() if self.live else self.start_live())
        self.skip_button = QPushButton("Next line \u203a")
        self.skip_button.setToolTip("Move on without waiting for the end of your answer")
        self.skip_button.clicked.connect(lambda: self.live.skip() if self.live else None)
        self.play_button = QPushButton("▶ Play customer line")
        self.play_button.clicked.connect(self.play_line)
        self.answer_button = QPushButton("Use recorded answer…")
        self.answer_button.setToolTip("A WAV of your answer to this line, instead of the microphone")
        self.answer_button.clicked.connect(self._choose_answer)
        self.retry_button = QPushButton("↺ Retry")
        self.retry_button.clicked.connect(self.retry)
        self.replay_button = QPushButton("▶ Replay this run")
        self.replay_button.setToolTip("Open the run in the review window: your voice, the customer, the nudges")
        self.replay_button.clicked.connect(self.replay)
        self._live_timer = QTimer(self)
        self._live_timer.setInterval(100)
        self._live_timer.timeout.connect(self._show_live_step)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.scorecard = QTextBrowser()
        self.scorecard.setPlaceholderText("Your scorecard appears here at the end of the run, with your own words "
                                          "beside each step.")
        self.progress = progress_plot()
        self.first_run = QLabel(FIRST_RUN)
        self.first_run.setStyleSheet("color: #555;")

        buttons = QHBoxLayout()
        for b in (self.live_button, self.skip_button, self.play_button, self.answer_button, self.retry_button,
                  self.replay_button):
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

    def _list(self, s: Scenario) -> None:
        item = QListWidgetItem(f"{s.title}\n{s.language} · {len(s.steps)} step{'' if len(s.steps) == 1 else 's'}")
        item.setData(Qt.ItemDataRole.UserRole, s.id)
        item.setSizeHint(QSize(0, round(self.picker.fontMetrics().lineSpacing() * 2.8)))  # CJK lines are taller
        self.picker.addItem(item)

    def add_scenario(self, scenario: Scenario) -> None:
        """A scenario from elsewhere (a drill from a reviewed call), listed and selected."""
        if all(s.id != scenario.id for s in self.scenarios):
            self.scenarios.append(scenario)
            self._list(scenario)
        self.select(scenario.id)

    def select(self, scenario_id: str) -> None:
        self.scenario = next(s for s in self.scenarios if s.id == scenario_id)
        row = self.scenarios.index(self.scenario)
        if self.picker.currentRow() != row:
            self.picker.setCurrentRow(row)  # re-enters select() once, harmlessly
        self.retry()

    def retry(self) -> None:
        if self.live is not None:
            self.stop_live()
        self.answers, self.card = [], None
        self._started = time.monotonic()
        self.scorecard.clear()
        self.status.setText("")
        self._show_step()
        self._draw_progress()

    def use_answer(self, path: str | Path) -> bool:
        """The trainee's answer to the current step, from a WAV; scores when all steps have one."""
        if (self.scenario is None or self._busy() or self.live is not None
                or len(self.answers) >= len(self.scenario.steps)):
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

    def start_live(self, mic: Mic | None = None) -> bool:
        """Answer with the microphone (or `mic`: a scripted trainee in tests). The customer's voice and
        the recogniser are prepared on the worker; the run starts when they are ready."""
        if self.scenario is None or self._busy() or self.live is not None:
            return False
        if mic is None:
            devices = input_devices(self._sd_module)
            if not devices.ok:
                self.status.setText(f"{devices.problem} Practise with recorded answers instead (Use recorded answer…).")
                return False
            mic = microphone(self.settings, self._sd_module)
        self.retry()
        self.status.setText("Getting the customer ready…")
        self._submit(self._prepare_live, self.scenario, then=lambda ready: self._begin_live(ready, mic),
                     failed="Live practice cannot start: ")
        self._show_step()
        return True

    def _prepare_live(self, scenario: Scenario) -> tuple[list[np.ndarray], Any]:
        from coach_app.asr.select import choose_engine  # worker thread: a Vosk model takes seconds to load

        choice = choose_engine(self.engine, scenario.language, paths.models_dir(), self.settings.hints)
        return customer_audio(scenario), choice

    def _begin_live(self, ready: tuple[list[np.ndarray], Any], mic: Mic) -> None:
        assert self.scenario is not None
        lines, choice = ready
        play, problem = speaker(self._sd_module)
        self.live = PracticeLiveRun(self.scenario, lines, replace(self.settings, language=self.scenario.language),
                                    choice.factory.for_live(), choice.factory.name, mic, play, self.library)
        self.live.finished.connect(self._live_finished)
        self.live.start()
        self._started = time.monotonic()
        self.status.setText(problem or "Listen to the customer, then answer aloud. Stop talking when you are done.")
        self._live_timer.start()
        self._show_step()

    def stop_live(self) -> None:
        if self.live is not None:
            self.live.stop()  # finished -> _live_finished

    def _live_finished(self) -> None:
        run, self.live = self.live, None
        self._live_timer.stop()
        if run is None or run.card is None:
            return
        self.last_call_id = run.call_id
        if run.customer.play_problem:
            self.status.setText(run.customer.play_problem)
        if not run.card.steps:
            self.status.setText("Stopped before your first answer: nothing to score.")
            self._show_step()
            return
        answered = len(run.card.steps)
        self.answers = [Answer(np.zeros(0, np.float32), 0.0, "microphone")] * answered
        self._show_card(run.card, run.call_id)
        if answered < len(run.scenario.steps):
            self.status.setText(f"Stopped after {answered} of {len(run.scenario.steps)} steps: "
                                f"score {run.card.score}/{run.card.max} for those.")

    def _show_live_step(self) -> None:
        if self.live is None or self.scenario is None:
            return
        c = self.live.customer
        step = max(c.step, 0)
        self.customer.setText(f"Customer: \u201c{self.scenario.steps[step].customer}\u201d")
        self.customer.setVisible(True)
        who = ("the customer is speaking…" if c.speaking or c.step < 0 else
               "your turn — answer, then stop talking" if c.listening else "done")
        if c.listening and c.silent_s > HINT_AFTER_S:
            who += " (take your time; “Next line ›” moves on without an answer)"
        self.step_label.setText(f"Step {step + 1} of {len(self.scenario.steps)} — {who}")

    def replay(self) -> None:
        """The last run in the review window: waveform, transcript, nudges, playback."""
        if self.library is None or self.last_call_id is None:
            return
        from coach_app.ui.review_window import ReviewWindow

        self._review = ReviewWindow(self.library, sd_module=self._sd_module)
        self._review.open_call(self.last_call_id)
        self._review.show()

    def play_line(self) -> None:
        if self.scenario is None or self._step() is None:
            return
        problem = output_problem(self._sd_module)
        if problem:
            self.status.setText(problem)
            return
        try:
            audio = customer_audio(self.scenario)[len(self.answers)]  # rendered once, then cached
            sd, _ = output_device(self._sd_module)
            sd.play(np.asarray(audio, np.float32), SAMPLE_RATE)
        except Exception as exc:  # no flite/espeak-ng, a device that went away: the text is still there
            self.status.setText(f"Could not play the line ({exc}); read it on screen.")

    def _start_scoring(self) -> None:
        assert self.scenario is not None
        self.status.setText("Scoring your answers…")
        self._submit(self._score, self.scenario, list(self.answers), then=self._scored)

    def _score(self, scenario: Scenario, answers: list[Answer]) -> Scorecard:
        from coach_app.asr.select import choose_engine  # worker thread: the GUI never waits on this

        settings = replace(self.settings, language=scenario.language)
        choice = choose_engine(self.engine, scenario.language, paths.models_dir(), self.settings.hints)
        keep = self.library.new_recording_path() if self.library is not None else None
        return run_practice(scenario, answers, settings, choice.factory, keep_as=keep)

    def _submit(self, fn: Any, *args: Any, then: Any, failed: str = "That did not work: ") -> None:
        self._then, self._failed = then, failed
        self._future = self._pool.submit(fn, *args)
        self._poll.start()

    def _check_future(self) -> None:
        if self._future is None or not self._future.done():
            return
        self._poll.stop()
        future, self._future = self._future, None
        try:
            result = future.result()
        except Exception as exc:  # no flite, no model, a damaged answer: plain words, the window stays usable
            self.status.setText(f"{self._failed}{exc}")
            self._show_step()
            return
        self._then(result)

    def _scored(self, card: Scorecard) -> None:
        call_id = None
        if self.library is not None and self.scenario is not None and card.recording is not None:
            # the run is recorded like a call, for the trainee's own review
            call_id = self.library.save_call(card.recording, card.events, card.summary, source="practice",
                                             language=self.scenario.language, copy_audio=False)
        self.last_call_id = call_id
        self._show_card(card, call_id)

    def _show_card(self, card: Scorecard, call_id: int | None) -> None:
        self.card = card
        self.status.setText(f"Score: {card.score}/{card.max}")
        self.scorecard.setHtml(card_html(self.scenario, card))
        if self.library is not None and self.scenario is not None:
            self.library.add_practice_run(self.scenario.id, call_id, round(time.monotonic() - self._started, 1),
                                          card.to_dict())
        self._draw_progress()
        self._show_step()

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
        live, idle = self.live is not None, not self._busy()
        self.live_button.setText("■ Stop practice" if live else START_LIVE)
        self.live_button.setEnabled(s is not None and (live or idle))  # starting again is a retry
        self.skip_button.setVisible(live)
        self.play_button.setEnabled(n is not None and idle and not live)
        self.answer_button.setEnabled(n is not None and idle and not live)
        self.retry_button.setEnabled(s is not None)
        self.replay_button.setEnabled(self.last_call_id is not None and not live)
        if live:
            self._show_live_step()
            return
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
        draw_progress(self.progress, self.first_run, self.past_scores())

    def _choose_answer(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Your recorded answer", "", "Audio (*.wav *.flac *.ogg)")
        if path:
            self.use_answer(path)

    def closeEvent(self, event: Any) -> None:
        self.stop_live()
        self._poll.stop()
        self._pool.shutdown(wait=False, cancel_futures=True)
        super().closeEvent(event)


def run_practice_window(scenario: str | Scenario | None = None, engine: str = "sphinx") -> int:
    """`coach-app practice --window [SCENARIO]` (or a drill's Scenario); runs are saved when the library
    can be opened."""
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
    if isinstance(scenario, Scenario):
        window.add_scenario(scenario)
    elif scenario and any(s.id == scenario for s in window.scenarios):
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
