"""One call: waveform with nudges, playback, the transcript following it, notes and the scorecard."""

from __future__ import annotations

import sqlite3
import time
from bisect import bisect_right
from datetime import datetime

import numpy as np
from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QListWidget, QListWidgetItem, QPushButton,
    QSplitter, QVBoxLayout, QWidget,
)

from coach_app.audio import capture, stretch
from coach_app.report.promises import call_promises
from coach_app.store import StoreError
from coach_app.store.library import CallDetail, Library
from coach_app.ui.promises_panel import PromisesPanel
from coach_app.ui.scorecard import Scorecard
from coach_app.ui.waveform_lanes import DONE, MARKS, WaveformLanes, load_recording, mark

SPEEDS = (1.0, 1.25, 1.5)
LEAD_S = 2.0  # "next nudge" and marker clicks start a little before, so you hear what led to it
CURRENT = QColor("#fff1b8")
WHO = {"agent": "You", "customer": "Customer", "mixed": "Call"}
NOTE_MARK = {"note": "\u270e", "bookmark": "\u2691", "good_example": "\u2605"}
NO_OUTPUT = ("No audio output on this computer: the position moves and the transcript follows, "
             "but you will not hear the call.")


def mmss(t: float) -> str:
    return f"{int(t // 60)}:{int(t % 60):02d}"


def when(iso: str) -> str:
    try:
        return datetime.fromisoformat(iso).astimezone().strftime("%a %d %b %Y, %H:%M")
    except ValueError:
        return iso


class Playback(QObject):
    """Position in the call, through a sounddevice OutputStream when there is an output device, else
    a clock. The audio callback only copies samples and advances the frame; the GUI timer reads it.
    Faster than 1x it copies from chunks stretched ahead at the same pitch (audio/stretch.py)."""

    position_changed = Signal(float)
    playing_changed = Signal(bool)

    def __init__(self, sd_module=None, parent=None):
        super().__init__(parent)
        self.sd, self.output_problem = _output(sd_module)
        self.audio: np.ndarray | None = None
        self.rate, self.duration, self.speed = 16000, 0.0, 1.0
        self.playing = False
        self._frame = 0.0  # samples into the call; the audio thread writes it only while a stream runs
        self._clock_at = 0.0
        self._stream = None
        self._stretcher: stretch.ChunkStretcher | None = None
        self._timer = QTimer(self, interval=40)
        self._timer.timeout.connect(self._tick)

    def load(self, audio: np.ndarray | None, rate: int, duration: float) -> None:
        self.pause()
        if self._stretcher is not None:
            self._stretcher.close()
        self.audio, self.rate = audio, rate
        self._stretcher = None
        if audio is not None and len(audio) and not stretch.problem():
            self._stretcher = stretch.ChunkStretcher(audio, rate)  # cheap: nothing is stretched before it is asked
        self.duration = len(audio) / rate if audio is not None and len(audio) else duration
        self.seek(0.0)

    @property
    def position(self) -> float:
        return min(self.duration, self._frame / self.rate)

    @property
    def audible(self) -> bool:
        return self._stream is not None

    @property
    def stretch_problem(self) -> str:
        """Why faster playback raises the pitch here ('' when it does not)."""
        return stretch.problem() or (self._stretcher.problem if self._stretcher is not None else "")

    def play(self) -> None:
        if self.playing:
            return
        if self.position >= self.duration - 0.05:
            self.seek(0.0)
        self.playing = True
        self._clock_at = time.monotonic()
        self._start_stream()
        self._timer.start()
        self.playing_changed.emit(True)

    def pause(self) -> None:
        if not self.playing:
            return
        self._advance_clock()
        self._stop_stream()
        self._timer.stop()
        self.playing = False
        self.playing_changed.emit(False)

    def toggle(self) -> None:
        self.pause() if self.playing else self.play()

    def seek(self, t: float) -> None:
        restart = self._stream is not None
        self._stop_stream()  # the callback is the only writer while a stream runs
        self._frame = max(0.0, min(t, self.duration)) * self.rate
        self._clock_at = time.monotonic()
        if restart:
            self._start_stream()
        self.position_changed.emit(self.position)

    def set_speed(self, speed: float) -> None:
        self._advance_clock()
        self.speed = speed
        self._prepare()

    def _prepare(self) -> None:
        """Start stretching at the play position now, not at the first block (worker thread: cheap here)."""
        if self._stream is not None and self._stretcher is not None and self.speed != 1.0:
            self._stretcher.want(self._frame, self.speed)

    def _advance_clock(self) -> None:
        if self.playing and self._stream is None:
            now = time.monotonic()
            self._frame += (now - self._clock_at) * self.speed * self.rate
            self._clock_at = now

    def _tick(self) -> None:
        self._advance_clock()
        t = self.position
        self.position_changed.emit(t)
        if t >= self.duration:
            self.pause()

    def _start_stream(self) -> None:
        if self.sd is None or self.audio is None or not len(self.audio):
            return
        try:
            stream = self.sd.OutputStream(samplerate=self.rate, channels=self.audio.shape[1], dtype="int16",
                                          callback=self._callback)
            stream.start()
        except Exception as exc:  # PortAudioError and friends: fall back to the clock, say why
            self.sd = None
            self.output_problem = f"The call cannot play on this computer's audio output ({exc}). {NO_OUTPUT}"
            return
        self._stream = stream
        self._prepare()

    def _stop_stream(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            stream.stop()
            stream.close()

    def _callback(self, outdata, frames, time_info, status) -> None:
        audio, speed, stretcher = self.audio, self.speed, self._stretcher
        if audio is None:  # never while a stream runs; keeps the callback total
            outdata[:] = 0
            return
        if speed == 1.0 or stretcher is None or not stretcher.read(outdata, self._frame, speed):
            # 1x: the samples as they are. Faster: higher pitch, until the chunk is ready or without pedalboard
            outdata[:] = stretch.skip(audio, self._frame, speed, frames)
        self._frame += frames * speed


def _output(sd_module) -> tuple[object | None, str]:
    sd, problem = capture.output_device(sd_module)  # sounddevice is loaded by the capture module only
    if sd is not None:
        return sd, ""
    return None, NO_OUTPUT if problem == capture.NO_OUTPUT else f"{problem} {NO_OUTPUT}"


class CallView(QWidget):
    back_requested = Signal()

    def __init__(self, library: Library, sd_module=None, parent=None):
        super().__init__(parent)
        self.library = library
        self.detail: CallDetail | None = None
        self.playback = Playback(sd_module, self)
        self._times: list[float] = []  # t0 of each transcript line, for the current-line lookup
        self._rows: list[QListWidgetItem] = []
        self._current: QListWidgetItem | None = None
        self._told_pitch = False  # the pitch fallback is said once, not on every speed click

        self.back_button = QPushButton("\u2190 All calls")
        self.title = QLabel("")
        self.title.setStyleSheet("font-size: 15px; font-weight: bold;")
        self.facts = QLabel("")
        self.audio_note = _note("#8a4b00", "#fff4e0")
        self.output_note = _note("#555", "#f1f1f1")
        self.lanes = WaveformLanes()
        self.lanes.setMinimumHeight(220)
        self.play_button = QPushButton("\u25b6 Play")
        self.play_button.setMinimumWidth(90)
        self.play_button.setToolTip("Play / pause (Space)")
        self.speed_buttons = QButtonGroup(self)
        for speed in SPEEDS:
            button = QPushButton(f"{speed:g}x")
            button.setCheckable(True)
            button.setChecked(speed == 1.0)
            self.speed_buttons.addButton(button)
            button.clicked.connect(lambda _c=False, s=speed: self.set_speed(s))
        self.next_button = QPushButton("Next nudge \u25b8\u25b8")
        self.time_label = QLabel("0:00 / 0:00")
        self.time_label.setStyleSheet("font-family: monospace; font-size: 14px;")
        self.legend = QLabel(_legend())
        self.transcript = QListWidget()
        self.transcript.setWordWrap(True)
        self.note_edit = QLineEdit()
        self.note_edit.setPlaceholderText("A private note at the current time\u2026")
        self.note_button = QPushButton("\u270e Add note")
        self.bookmark_button = QPushButton("\u2691 Bookmark")
        self.good_button = QPushButton("\u2605 Good example")
        self.notes = QListWidget()
        self.scorecard = Scorecard()
        self.promises = PromisesPanel()
        self.status = QLabel("")
        self.status.setStyleSheet("color: #8a4b00;")
        self._layout()

        self.back_button.clicked.connect(self.back_requested.emit)
        self.play_button.clicked.connect(self.playback.toggle)
        self.next_button.clicked.connect(self.next_nudge)
        self.playback.position_changed.connect(self._at)
        self.playback.playing_changed.connect(self._playing)
        QShortcut(QKeySequence(Qt.Key.Key_Space), self, self.playback.toggle)  # text fields keep their spaces
        self.lanes.seek_requested.connect(self.playback.seek)
        self.lanes.nudge_clicked.connect(lambda i: self.seek_nudge(self.detail.nudges[i]) if self.detail else None)
        self.transcript.itemClicked.connect(lambda item: self.playback.seek(item.data(Qt.ItemDataRole.UserRole)))
        self.notes.itemClicked.connect(lambda item: self.playback.seek(item.data(Qt.ItemDataRole.UserRole)))
        self.promises.seek_requested.connect(self.playback.seek)
        self.note_edit.returnPressed.connect(lambda: self.add_note("note"))
        self.note_button.clicked.connect(lambda: self.add_note("note"))
        self.bookmark_button.clicked.connect(lambda: self.add_note("bookmark"))
        self.good_button.clicked.connect(lambda: self.add_note("good_example"))
        self.scorecard.score_changed.connect(self._save_score)

    # --- opening a call ----------------------------------------------------------------------------
    def show_call(self, detail: CallDetail) -> None:
        self.detail = detail
        call = detail.call
        self.title.setText(f"{when(call.started_at)} \u2014 {call.title or 'call'}")
        self.facts.setText(_facts(detail))
        audio, rate, problem = load_recording(detail)
        self.audio_note.setText(problem)
        self.audio_note.setVisible(bool(problem))
        self.playback.load(audio, rate, call.duration)
        self.output_note.setText(self.playback.output_problem if audio is not None else "")
        self.output_note.setVisible(bool(self.output_note.text()))
        self.lanes.show_call(audio, rate, self.playback.duration, detail.nudges, detail.layout == "mono", problem)
        self.next_button.setEnabled(bool(detail.nudges))
        self._fill_transcript(detail)
        self.notes.clear()
        for note in detail.notes:
            self._add_note_row(note)
        self.scorecard.show_scores(detail.nudges, detail.scores)
        self.promises.show_promises(call_promises(detail.utterances))
        self.status.setText("")
        self._at(0.0)

    def _playing(self, on: bool) -> None:
        self.play_button.setText("\u275a\u275a Pause" if on else "\u25b6 Play")
        if self.playback.output_problem and self.detail is not None and not self.audio_note.isVisible():
            self.output_note.setText(self.playback.output_problem)  # the device may fail only now
            self.output_note.setVisible(True)

    def close_call(self) -> None:
        """Stop, and let go of the recording (mapped files cannot be deleted on Windows)."""
        self.playback.load(None, 16000, 0.0)
        self.lanes.show_call(None, 16000, 0.0, [])

    def _fill_transcript(self, detail: CallDetail) -> None:
        self.transcript.clear()
        rows = [(u["t0"], 0, u) for u in detail.utterances] + [(n["t"], 1, n) for n in detail.nudges]
        self._times, self._rows, self._current = [], [], None
        for t, is_nudge, row in sorted(rows, key=lambda r: (r[0], r[1])):
            if is_nudge:
                letter, colour, _, _ = mark(row["kind"])
                outcome = "done" if row.get("outcome") in DONE else row.get("outcome") or "missed"
                said = row["message"].rstrip(". ") + ". " + (row.get("suggestion") or "")
                item = QListWidgetItem(f"{mmss(t)}   \u2691 {letter} {outcome}: {said.rstrip()}")
                item.setForeground(QColor(colour))
                item.setToolTip("Click: play from a little before this nudge")
                item.setData(Qt.ItemDataRole.UserRole, max(0.0, t - LEAD_S))
            else:
                item = QListWidgetItem(f"{mmss(t)}   {WHO.get(row['channel'], row['channel'])}:  {row['text']}")
                item.setForeground(QColor("#1d4f91" if row["channel"] == "agent" else "#222"))
                item.setData(Qt.ItemDataRole.UserRole, t)
                self._times.append(t)
                self._rows.append(item)
            self.transcript.addItem(item)

    # --- playback ----------------------------------------------------------------------------------
    def _at(self, t: float) -> None:
        self.lanes.set_position(t)
        self.time_label.setText(f"{mmss(t)} / {mmss(self.playback.duration)}")
        i = bisect_right(self._times, t + 1e-6) - 1
        item = self._rows[i] if i >= 0 else None
        if item is not self._current:
            if self._current is not None:
                self._current.setBackground(QBrush())
            if item is not None:
                item.setBackground(CURRENT)
                self.transcript.scrollToItem(item)
            self._current = item

    @property
    def current_line(self) -> str:
        return self._current.text() if self._current is not None else ""

    def set_speed(self, speed: float) -> None:
        self.playback.set_speed(speed)
        problem = self.playback.stretch_problem
        if speed != 1.0 and problem and self.playback.sd is not None and not self._told_pitch:
            self.status.setText(problem)  # without an output device there is no pitch to hear
            self._told_pitch = True

    def seek_nudge(self, nudge: dict) -> None:
        self.playback.seek(max(0.0, nudge["t"] - LEAD_S))

    def next_nudge(self) -> None:
        if self.detail is None:
            return
        now = self.playback.position + 0.01
        later = [n for n in self.detail.nudges if n["t"] - LEAD_S > now]
        if later:
            self.seek_nudge(later[0])

    # --- the agent's own material ----------------------------------------------------------------
    def add_note(self, kind: str) -> None:
        if self.detail is None:
            return
        text = self.note_edit.text().strip() or {"bookmark": "Bookmark", "good_example": "Good example"}.get(kind, "")
        if not text:
            self.status.setText("Type a note first.")
            return
        t = round(self.playback.position, 2)
        try:
            note_id = self.library.add_note(self.detail.call.id, t, text, kind)
        except (StoreError, sqlite3.Error, OSError) as exc:
            self.status.setText(f"The note was not saved: {exc}")
            return
        self.note_edit.clear()
        self.status.setText("")
        self._add_note_row({"id": note_id, "t": t, "text": text, "kind": kind})

    def _add_note_row(self, note: dict) -> None:
        item = QListWidgetItem(f"{mmss(note['t'])}  {NOTE_MARK.get(note['kind'], '')} {note['text']}")
        item.setData(Qt.ItemDataRole.UserRole, note["t"])
        if note["kind"] == "good_example":
            item.setForeground(QColor("#1e7b34"))
        rows = [self.notes.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.notes.count())]
        self.notes.insertItem(bisect_right(rows, note["t"]), item)

    def _save_score(self, item: str, value: float | None) -> None:
        if self.detail is None:
            return
        try:
            self.library.set_score(self.detail.call.id, item, value)
        except (StoreError, sqlite3.Error, OSError) as exc:
            self.status.setText(f"The score was not saved: {exc}")

    def _layout(self) -> None:
        head = QHBoxLayout()
        head.addWidget(self.back_button)
        titles = QVBoxLayout()
        titles.addWidget(self.title)
        titles.addWidget(self.facts)
        head.addLayout(titles, 1)
        controls = QHBoxLayout()
        controls.addWidget(self.play_button)
        for button in self.speed_buttons.buttons():
            button.setMaximumWidth(56)
            controls.addWidget(button)
        controls.addWidget(self.next_button)
        controls.addSpacing(12)
        controls.addWidget(self.time_label)
        controls.addStretch(1)
        controls.addWidget(self.legend)
        note_row = QHBoxLayout()
        note_row.addWidget(self.note_edit, 1)
        for button in (self.note_button, self.bookmark_button, self.good_button):
            note_row.addWidget(button)
        notes_box = QGroupBox("Private notes")
        notes = QVBoxLayout(notes_box)
        notes.addLayout(note_row)
        notes.addWidget(self.notes)
        score_box = QGroupBox("Your scorecard")
        QVBoxLayout(score_box).addWidget(self.scorecard)
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(notes_box, 1)
        side_layout.addWidget(score_box)
        talk_box = QGroupBox("Transcript \u2014 click a line to play from there")
        QVBoxLayout(talk_box).addWidget(self.transcript)
        promises_box = QGroupBox("Promises I made \u2014 click one to hear it")
        QVBoxLayout(promises_box).addWidget(self.promises)
        talk = QWidget()  # under the transcript: the side column is the taller one, the window stays as small
        talk_layout = QVBoxLayout(talk)
        talk_layout.setContentsMargins(0, 0, 0, 0)
        talk_layout.addWidget(talk_box, 3)
        talk_layout.addWidget(promises_box, 1)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(talk)
        split.addWidget(side)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(head)
        layout.addWidget(self.audio_note)
        layout.addWidget(self.output_note)
        layout.addWidget(self.lanes, 2)
        layout.addLayout(controls)
        layout.addWidget(split, 3)
        layout.addWidget(self.status)


def _note(colour: str, background: str) -> QLabel:
    label = QLabel("")
    label.setWordWrap(True)
    label.setStyleSheet(f"color: {colour}; background: {background}; padding: 4px; border-radius: 3px;")
    label.setVisible(False)
    return label


def _legend() -> str:
    marks = " ".join(f"<span style='color:{c}'><b>{letter}</b></span>&nbsp;{word}"
                     for letter, c, word, _ in MARKS.values())
    return f"<small>{marks} &nbsp;\u2014 filled: missed, ring: done</small>"


def _facts(detail: CallDetail) -> str:
    call = detail.call
    parts = [mmss(call.duration)]
    if call.talk_ratio is not None:
        parts.append(f"you talk {call.talk_ratio:.0%}")
    if call.median_response_gap is not None:
        parts.append(f"median response gap {call.median_response_gap:.1f} s")
    done = sum(n.get("outcome") in DONE for n in detail.nudges)
    parts.append(f"{len(detail.nudges) - done} nudges missed, {done} done")
    if call.status not in ("complete", "recording"):
        parts.append(call.status)
    return " \u00b7 ".join(parts)
