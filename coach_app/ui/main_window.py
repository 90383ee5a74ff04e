"""The desktop window: what is ready (devices, engine) and analysis of a recorded call.

Analysis runs on a worker thread (the engine is Qt-free); a short QTimer in the GUI thread picks up
the result, so the window never waits on recognition.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QFileDialog, QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QMainWindow, QPushButton, QVBoxLayout,
    QWidget,
)

from coach_app.asr.select import Choice
from coach_app.audio.capture import DeviceStatus
from coach_app.audio.wavsource import AudioFileError, open_call
from coach_app.batch import CallResult, analyze_call
from coach_app.report.timeline import clock, render_summary, timeline_rows
from coach_app.settings import Settings
from coach_app.store.library import Library
from coach_app.ui.live_controller import LiveController
from coach_app.ui.review_window import ReviewWindow

OUTCOME_MARK = {"missed": "⚠ missed", "retracted": "↺ retracted", "satisfied": "✓ satisfied"}


class MainWindow(QMainWindow):
    analysis_done = Signal(object)  # CallResult, or str (an error for the agent)

    def __init__(self, settings: Settings, choice: Choice | None, engine_problem: str, devices: DeviceStatus):
        super().__init__()
        self.settings, self.choice = settings, choice
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="analysis")
        self._future: Future | None = None
        self._poll = QTimer(self)
        self._poll.setInterval(50)
        self._poll.timeout.connect(self._check_future)
        self.setWindowTitle("coach_app")
        self.resize(900, 620)

        title = QLabel("coach_app — your private call coach")
        title.setFont(QFont(title.font().family(), 16, QFont.Weight.Bold))
        self.device_label = QLabel(self._device_text(devices))
        self.device_label.setWordWrap(True)
        engine_text = f"Speech recognition: {choice.factory.name}" if choice else f"Speech recognition unavailable: {engine_problem}"
        if choice and choice.note:
            engine_text += f"\n{choice.note}"
        self.engine_label = QLabel(engine_text)
        self.engine_label.setWordWrap(True)
        self.analyze_button = QPushButton("Analyse a recording…")
        self.analyze_button.setEnabled(choice is not None)
        self.analyze_button.clicked.connect(self._choose_file)
        self.demo_button = QPushButton("▶ Play the demo call")
        self.demo_button.setToolTip("A sample call through the live coach: see it work with no headset")
        self.demo_button.setEnabled(choice is not None)
        self.demo_button.clicked.connect(self.play_demo)
        self.demo: LiveController | None = None  # a running demo
        self.live_button = QPushButton("● Start live call")
        self.live_button.setEnabled(choice is not None and devices.ok)
        self.live_button.clicked.connect(lambda: self.start_live_call())
        self.live: LiveController | None = None  # a live call
        self.review_button = QPushButton("Review my calls")
        self.review_button.setToolTip("Your own recordings, privately: hear them first, before anyone else")
        self.review_button.clicked.connect(self.open_review)
        self.review: ReviewWindow | None = None
        self._library: Library | None = None  # one Library (and its lock) for live calls and review
        self.status = QLabel("Private: recordings and analysis stay on this computer.")
        self.status.setWordWrap(True)
        self.timeline = QListWidget()
        self.timeline.setAlternatingRowColors(True)
        self.timeline.setWordWrap(True)
        self.timeline.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.summary = QLabel("")
        self.summary.setWordWrap(True)

        row = QHBoxLayout()
        row.addWidget(self.live_button)
        row.addWidget(self.demo_button)
        row.addWidget(self.review_button)
        row.addWidget(self.analyze_button)
        self.devices_button = QPushButton("Audio devices…")
        self.devices_button.setToolTip("Which headset is you and which input is the customer; with live level meters")
        self.devices_button.clicked.connect(lambda: self.choose_devices())
        row.addWidget(self.devices_button)
        row.addStretch(1)
        layout = QVBoxLayout()
        for widget in (title, self.device_label, self.engine_label):
            layout.addWidget(widget)
        layout.addLayout(row)
        layout.addWidget(self.status)
        layout.addWidget(self.timeline, 1)
        layout.addWidget(self.summary)
        body = QWidget()
        body.setLayout(layout)
        self.setCentralWidget(body)
        self.analysis_done.connect(self._show_result)

    def analyze(self, path: str | Path) -> None:
        """Start analysing `path` in the background; the result arrives through `analysis_done`."""
        if self.choice is None or self._future is not None:
            return
        self.status.setText(f"Analysing {Path(path).name}…")
        self.analyze_button.setEnabled(False)
        self._future = self._pool.submit(self._run, Path(path))
        self._poll.start()

    def play_demo(self, file: str | None = None) -> None:
        """The live overlay on a sample call (or `file`), at real time."""
        from coach_app.audio.wavsource import AudioFileError
        from coach_app.synth.flite import FliteMissing
        from coach_app.ui.demo import open_demo

        if self.choice is None or (self.demo is not None and self.demo.session.running):
            return
        try:
            self.demo = open_demo(file, self.choice, self.settings)
        except (AudioFileError, FliteMissing, FileNotFoundError) as exc:
            self.status.setText(f"The demo cannot play: {exc}")

    def start_live_call(self, sd_module=None, library=None) -> None:
        """Capture the headset, coach live and record privately into the library."""
        from coach_app.store import StoreError
        from coach_app.ui.live_call import open_live_call

        if self.choice is None or (self.live is not None and self.live.session.running):
            return
        try:
            library = library or self.library()
            self.live = open_live_call(self.settings, self.choice, library=library, sd_module=sd_module)
        except StoreError as exc:
            self.status.setText(f"The call cannot be recorded: {exc}")

    def choose_devices(self, sd_module=None) -> None:
        """The device picker; the choice is remembered in the settings file, by device name."""
        from dataclasses import replace

        from coach_app import paths
        from coach_app.ui.device_picker import choose_devices

        chosen = choose_devices(self.settings.capture, paths.settings_file(), sd_module=sd_module, parent=self)
        if chosen is not None:
            self.settings = replace(self.settings, capture=chosen)
            self.status.setText("Audio devices saved: they are used for your next live call.")

    def library(self) -> Library:
        """The agent's library, opened once (it holds the lock that keeps a second app out)."""
        from coach_app.store.library import default_root

        if self._library is None:
            self._library = Library(default_root())
        return self._library

    def open_review(self) -> None:
        from coach_app.store import StoreError

        try:
            if self.review is None:
                self.review = ReviewWindow(self.library())
            self.review.open_latest()
            self.review.show()
            self.review.raise_()
        except StoreError as exc:
            self.status.setText(f"Your library cannot be opened: {exc}")

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt name)
        for controller in (self.demo, self.live):
            if controller is not None:
                controller.stop()
                controller.overlay.close()
        if self.review is not None:
            self.review.close()
        if self._library is not None:
            self._library.close()
        self._pool.shutdown(wait=False, cancel_futures=True)
        super().closeEvent(event)

    def _run(self, path: Path) -> CallResult | str:
        try:
            assert self.choice is not None
            return analyze_call(open_call(path), self.settings, self.choice.factory)
        except AudioFileError as exc:
            return str(exc)

    def _check_future(self) -> None:
        if self._future is None or not self._future.done():
            return
        self._poll.stop()
        future, self._future = self._future, None
        self.analyze_button.setEnabled(True)
        exc = future.exception()
        self.analysis_done.emit(f"Analysis failed: {exc}" if exc else future.result())

    def _choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Analyse a recording", "", "Recordings (*.wav *.flac)")
        if path:
            self.analyze(path)

    def _show_result(self, result: CallResult | str) -> None:
        self.timeline.clear()
        if isinstance(result, str):
            self.status.setText(result)
            self.summary.setText("")
            return
        self.status.setText("Done. Nudges are marked ⚠ (missed) or ↺ (retracted: you opened with empathy, or the coach took it back).")
        for row in timeline_rows(result.events):
            if row.words is not None:
                self.timeline.addItem(QListWidgetItem(f"{clock(row.t)}   {row.words.channel.upper():<9} {row.words.text}"))
            elif row.nudge is not None:
                n = row.nudge
                item = QListWidgetItem(f"{clock(row.t)}   {n['kind'].upper()} — {OUTCOME_MARK.get(n['outcome'], n['outcome'])}:"
                                       f" {n['message']}. {n['suggestion']}")
                item.setForeground(Qt.GlobalColor.darkRed)
                font = item.font()
                font.setBold(True)
                item.setFont(font)
                self.timeline.addItem(item)
        self.summary.setText("\n".join(render_summary(result.summary, result.events)))

    @staticmethod
    def _device_text(devices: DeviceStatus) -> str:
        if devices.ok:
            names = ", ".join(d.name for d in devices.devices[:3])
            return f"Audio inputs: {names}."
        return f"No live audio: {devices.problem}"
