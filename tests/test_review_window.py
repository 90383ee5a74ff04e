"""The review window (pytest-qt, offscreen): list, search, one call with waveform and transcript,
seeking, playback, notes, scorecard, delete, export, bad audio; and `coach-app review`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from coach_app.batch import analyze_transcript
from coach_app.settings import Settings
from coach_app.store.library import Library
from coach_app.transcript import Utterance

ROOT = Path(__file__).resolve().parent.parent
ORDER = """customer 0.5: I was charged twice for my order and I am really upset about it.
agent 0.3: Okay, can I have your order number?
customer 0.6: It is four five six seven eight.
agent 2.2: Thank you. I will refund it by Friday at five pm.
customer 0.5: Great, thanks.
agent 0.6: Is there anything else I can help you with today?
customer 0.5: No, bye.
end 1.0
"""
PARCEL = """customer 0.5: I was told my parcel would arrive yesterday and it never came.
agent 0.4: Why did you not call us yesterday?
customer 0.6: I did call. Nobody answered.
agent 0.3: We apologise for any inconvenience caused.
customer 0.5: That does not help me at all.
agent 0.4: It will be delivered soon.
end 1.0
"""


class NoOutput:
    """A sounddevice that sees no output device (like this machine, and most CI)."""

    def query_devices(self):
        return [{"name": "Headset Mic", "max_input_channels": 1, "max_output_channels": 0}]


class FakeStream:
    def __init__(self, samplerate, channels, dtype, callback):
        self.samplerate, self.channels, self.dtype, self.callback = samplerate, channels, dtype, callback
        self.started = self.closed = False

    def start(self):
        self.started = True

    def stop(self):
        self.started = False

    def close(self):
        self.closed = True


class Speakers:
    def __init__(self, fail: bool = False):
        self.fail, self.streams = fail, []

    def query_devices(self):
        return [{"name": "Speakers", "max_input_channels": 0, "max_output_channels": 2}]

    def OutputStream(self, **kwargs):  # noqa: N802 (sounddevice's name)
        if self.fail:
            raise OSError("Invalid sample rate")
        self.streams.append(FakeStream(**kwargs))
        return self.streams[-1]


@pytest.fixture(scope="session")
def calls(render):
    """Two rendered calls and what the rules made of them (rendered once per run)."""
    made = {}
    for name, script in (("order", ORDER), ("parcel", PARCEL)):
        wav, truth = render(script, name=name)
        result = analyze_transcript([Utterance(t.speaker, t.t0, t.t1, t.text) for t in truth], Settings())
        result.summary["duration"] = sf.info(str(wav)).duration
        made[name] = (wav, result)
    return made


@pytest.fixture
def library(private_home, calls):
    lib = Library(private_home / "library")
    for name, at in (("parcel", "2025-03-11T15:40:00+00:00"), ("order", "2025-03-14T09:12:00+00:00")):
        wav, result = calls[name]
        lib.save_call(wav, result.events, result.summary, started_at=at)
    yield lib
    lib.close()


@pytest.fixture
def window(qtbot, library):
    from coach_app.ui.review_window import ReviewWindow

    win = ReviewWindow(library, sd_module=NoOutput())
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win


def cells(window, column):
    model = window.calls.model
    return [model.data(model.index(r, column)) for r in range(model.rowCount())]


def test_the_list_shows_each_call_with_its_figures(window):
    assert window.stack.currentWidget() is window.calls
    assert [r.title for r in window.calls.model.rows] == ["order.wav", "parcel.wav"]  # newest first
    assert cells(window, 3) == ["P1 E1", "P1 H1 T1 W1 A1 C1"]  # missed, per kind
    assert cells(window, 4) == ["H1", "\u2013"]  # done
    assert all(c.endswith(" s") for c in cells(window, 5)) and all(c.endswith("%") for c in cells(window, 6))
    assert cells(window, 2) == ["0:21", "0:16"]
    assert window.calls.count_label.text().startswith("2 calls")


def test_columns_sort(window):
    from PySide6.QtCore import Qt

    window.calls.table.sortByColumn(2, Qt.SortOrder.AscendingOrder)
    assert cells(window, 2) == ["0:16", "0:21"]
    window.calls.table.sortByColumn(3, Qt.SortOrder.DescendingOrder)
    assert cells(window, 1) == ["parcel.wav", "order.wav"]  # most missed first


def test_search_over_transcripts(window, qtbot):
    window.calls.search.setText("parcel")
    qtbot.waitUntil(lambda: window.calls.model.rowCount() == 1)
    assert window.calls.model.rows[0].title == "parcel.wav"
    window.calls.search.setText("zebra")
    qtbot.waitUntil(lambda: window.calls.model.rowCount() == 0)
    assert window.calls.empty.isVisible() and "zebra" in window.calls.empty.text()
    window.calls.search.clear()
    qtbot.waitUntil(lambda: window.calls.model.rowCount() == 2)
    assert not window.calls.empty.isVisible()


def test_an_empty_library_says_so(qtbot, tmp_path):
    from coach_app.ui.review_window import ReviewWindow

    with Library(tmp_path / "empty") as lib:
        win = ReviewWindow(lib, sd_module=NoOutput())
        qtbot.addWidget(win)
        win.show()
        assert not win.open_latest()
        assert "No calls yet" in win.calls.empty.text() and win.calls.empty.isVisible()
        assert not win.calls.delete_button.isEnabled()
        win.close()


def test_opening_a_call_shows_waveform_transcript_and_nudges(window, library):
    from coach_app.ui.waveform_lanes import BINS

    assert window.open_latest()
    view = window.view
    detail = library.call_detail(window.calls.model.rows[0].id)
    assert window.stack.currentWidget() is view
    for curve in view.lanes.curves:  # a min/max envelope, not 350,000 samples
        x, y = curve.getData()
        assert 0 < len(x) <= 2 * BINS and np.abs(y).max() > 0.05
    assert view.transcript.count() == len(detail.utterances) + len(detail.nudges) == 10
    assert len(view.lanes.rings.data) == len(detail.nudges) == 3
    assert "0:21" in view.time_label.text() and "you talk" in view.facts.text()
    assert view.output_note.isVisible() and "No audio output" in view.output_note.text()
    assert not view.audio_note.isVisible()


def test_clicking_a_line_seeks_and_highlights_it(window, qtbot):
    from PySide6.QtCore import Qt

    window.open_latest()
    view = window.view
    item = next(view.transcript.item(i) for i in range(view.transcript.count())
                if "order number" in view.transcript.item(i).text())
    rect = view.transcript.visualItemRect(item)
    qtbot.mouseClick(view.transcript.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    t0 = item.data(Qt.ItemDataRole.UserRole)
    assert view.playback.position == pytest.approx(t0)
    assert view.current_line == item.text() and view.lanes.heads[1].value() == pytest.approx(t0)
    assert view.time_label.text().startswith("0:0")


def test_clicking_a_marker_or_the_waveform_seeks(window, qtbot):
    from PySide6.QtCore import QPointF, Qt

    from coach_app.ui.call_view import LEAD_S

    window.open_latest()
    view, lanes = window.view, window.view.lanes
    qtbot.wait(50)  # the plots get their final geometry
    last = len(lanes.nudges) - 1
    at = lanes.mapFromScene(lanes.marker_scene_pos(last))
    qtbot.mouseClick(lanes.viewport(), Qt.MouseButton.LeftButton, pos=at)
    assert view.playback.position == pytest.approx(lanes.nudges[last]["t"] - LEAD_S)
    lane = lanes.lanes[0].getViewBox()
    spot = lanes.mapFromScene(lane.mapViewToScene(QPointF(15.0, 0.0)))
    qtbot.mouseClick(lanes.viewport(), Qt.MouseButton.LeftButton, pos=spot)
    assert view.playback.position == pytest.approx(15.0, abs=0.2)


def test_play_without_an_output_device_moves_the_position(window, qtbot):
    from PySide6.QtCore import Qt

    window.open_latest()
    view = window.view
    view.play_button.click()
    assert view.playback.playing and "Pause" in view.play_button.text()
    qtbot.waitUntil(lambda: view.playback.position > 0.5, timeout=3000)
    qtbot.waitUntil(lambda: view.current_line.startswith("0:00"), timeout=3000)  # the first line, lit
    view.play_button.click()
    assert not view.playback.playing and "Play" in view.play_button.text()
    next(b for b in view.speed_buttons.buttons() if b.text() == "1.5x").click()
    assert view.playback.speed == 1.5
    window.activateWindow()
    qtbot.waitActive(window)
    view.transcript.setFocus()
    qtbot.keyClick(view.transcript, Qt.Key.Key_Space)  # Space plays and pauses, as in any player
    assert view.playback.playing
    view.note_edit.setFocus()
    qtbot.keyClicks(view.note_edit, "a b")  # but a note keeps its spaces
    assert view.note_edit.text() == "a b" and view.playback.playing
    view.playback.pause()


def test_next_nudge_jumps_to_a_little_before_each_nudge(window):
    from coach_app.ui.call_view import LEAD_S

    window.open_latest()
    view = window.view
    visited = []
    for _ in range(5):
        view.next_button.click()
        visited.append(round(view.playback.position, 2))
    starts = sorted({round(max(0.0, n["t"] - LEAD_S), 2) for n in view.detail.nudges})
    assert sorted(set(visited)) == [s for s in starts if s > 0]


def test_playback_goes_through_an_output_device_when_there_is_one(qtbot, monkeypatch):
    from coach_app.audio import stretch
    from coach_app.ui.call_view import Playback

    monkeypatch.setattr(stretch, "AVAILABLE", False)  # samples skipped, as without pedalboard (test_stretch.py)
    audio = (np.arange(32000, dtype=np.int16).reshape(16000, 2) % 1000).astype(np.int16)
    sd = Speakers()
    playback = Playback(sd)
    assert playback.output_problem == ""
    playback.load(audio, 16000, 1.0)
    playback.play()
    stream = sd.streams[-1]
    assert stream.started and (stream.samplerate, stream.channels, stream.dtype) == (16000, 2, "int16")
    out = np.zeros((160, 2), np.int16)
    stream.callback(out, 160, None, None)
    assert np.array_equal(out, audio[:160]) and playback.position == pytest.approx(0.01)
    playback.set_speed(1.5)
    stream.callback(out, 160, None, None)
    assert np.array_equal(out[1], audio[161]) and playback.position == pytest.approx(0.025)
    playback.seek(0.99)  # past the end: silence, then the GUI stops
    stream = sd.streams[-1]
    stream.callback(out, 160, None, None)
    assert out[:100].any() and not out[110:].any()  # 160 frames at 1.5x: 106 left in the call
    qtbot.waitUntil(lambda: not playback.playing, timeout=2000)
    assert all(s.closed for s in sd.streams)

    broken = Playback(Speakers(fail=True))
    broken.load(audio, 16000, 1.0)
    broken.play()
    assert broken.playing and not broken.audible and "Invalid sample rate" in broken.output_problem
    broken.pause()


def test_without_pedalboard_faster_playback_skips_samples_and_says_so_once(qtbot, library, monkeypatch):
    from coach_app.audio import stretch
    from coach_app.ui.review_window import ReviewWindow

    monkeypatch.setattr(stretch, "AVAILABLE", False)  # as if pedalboard were not installed
    sd = Speakers()
    win = ReviewWindow(library, sd_module=sd)
    qtbot.addWidget(win)
    win.open_latest()
    view = win.view
    speed = {b.text(): b for b in view.speed_buttons.buttons()}
    speed["1.5x"].click()
    assert view.status.text() == stretch.MISSING and "pitch" in view.status.text()
    view.playback.play()
    audio, out = view.playback.audio, np.zeros((160, 2), np.int16)
    sd.streams[-1].callback(out, 160, None, None)
    assert np.array_equal(out, audio[(np.arange(160) * 1.5).astype(int)])  # today's way, no crash
    assert view.playback.position == pytest.approx(240 / 16000)
    view.playback.pause()
    view.status.setText("")
    speed["1.25x"].click()
    speed["1.5x"].click()
    assert view.status.text() == ""  # said once
    win.close()


def test_notes_bookmarks_and_good_examples_are_saved(window, library):
    window.open_latest()
    view = window.view
    call_id = view.detail.call.id
    view.playback.seek(4.0)
    view.note_edit.setText("asked for the number before saying sorry")
    view.note_button.click()
    view.playback.seek(12.5)
    view.good_button.click()
    view.playback.seek(1.0)
    view.bookmark_button.click()
    saved = [(n["t"], n["kind"], n["text"]) for n in library.call_detail(call_id).notes]
    assert saved == [(1.0, "bookmark", "Bookmark"), (4.0, "note", "asked for the number before saying sorry"),
                     (12.5, "good_example", "Good example")]
    assert view.notes.count() == 3 and view.notes.item(0).text().startswith("0:01")
    assert view.note_edit.text() == ""
    window.show_list()
    window.open_call(call_id)  # opened again: the notes are still there
    assert view.notes.count() == 3


def test_the_scorecard_is_prefilled_and_edits_are_saved(window, library):
    from coach_app.ui.scorecard import ITEMS, prefill

    window.open_latest()
    view, card = window.view, window.view.scorecard
    call_id = view.detail.call.id
    assert card.value("waited") == 0.0  # a missed pause
    assert card.value("offered_help") == 1.0 and card.value("avoided_why") == 1.0
    assert {i: card.value(i) for i, _, _ in ITEMS} == {i: v for i, (v, _) in prefill(view.detail.nudges).items()}
    assert library.call_detail(call_id).scores == []  # looking is not editing
    card.combos["waited"].setCurrentIndex(card.combos["waited"].findText("Partly"))
    scores = library.call_detail(call_id).scores
    assert [(s["item"], s["value"], s["edited_by_agent"]) for s in scores] == [("waited", 0.5, 1)]
    window.show_list()
    window.open_call(call_id)
    assert card.value("waited") == 0.5 and "yours" in card.hints["waited"].text()


def test_delete_asks_first_then_removes_the_call(window, library, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    doomed = window.calls.selected()
    audio = library.call_detail(doomed.id).audio_path
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)
    window.calls.delete_button.click()
    assert window.calls.model.rowCount() == 2 and audio.exists()
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    window.calls.delete_button.click()
    assert [r.title for r in window.calls.model.rows] == ["parcel.wav"]
    assert [c.id for c in library.list_calls()] != [doomed.id] and not audio.exists()
    assert "Deleted" in window.calls.status.text()


def test_export_goes_to_the_folder_the_agent_picks(window, monkeypatch, tmp_path):
    from PySide6.QtWidgets import QFileDialog

    dest = tmp_path / "for my coach"
    dest.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(dest))
    window.calls.export_button.click()
    names = sorted(p.name for p in dest.iterdir())
    assert len(names) == 4 and any(n.endswith(".wav") for n in names)
    assert "Exported 4 files" in window.calls.status.text()
    window.calls.export_button.click()  # the same files again: refused, nothing overwritten
    assert "Nothing was exported" in window.calls.status.text()


@pytest.mark.parametrize("damage", ["missing", "corrupt"])
def test_missing_or_corrupt_audio_still_opens_with_a_note(window, library, qtbot, damage):
    row = window.calls.model.rows[0]
    audio = library.call_detail(row.id).audio_path
    if damage == "missing":
        audio.unlink()
    else:
        audio.write_bytes(b"RIFF\x00\x00\x00\x00WAVEnot really audio")
    assert window.open_call(row.id)
    view = window.view
    assert view.audio_note.isVisible()
    assert ("missing" if damage == "missing" else "cannot be played") in view.audio_note.text()
    assert "transcript" in view.audio_note.text()
    assert view.transcript.count() == 10
    assert all(c.getData()[0] is None or len(c.getData()[0]) == 0 for c in view.lanes.curves)
    view.play_button.click()  # the transcript can still be followed
    qtbot.waitUntil(lambda: view.playback.position > 0.2, timeout=3000)
    view.play_button.click()


def run_review(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.run([sys.executable, "-m", "coach_app", "review", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_command_opens_the_latest_call_and_takes_a_screenshot(library, tmp_path):
    from PySide6.QtGui import QImage

    library.close()  # the command needs the library to itself
    shot = tmp_path / "review.png"
    done = run_review("--exit-after", "1.5", "--screenshot", str(shot))
    assert done.returncode == 0, done.stderr
    image = QImage(str(shot))
    assert image.width() >= 1000 and image.height() >= 600


def test_command_on_an_empty_library_says_so(tmp_path):
    done = run_review("--exit-after", "0.5", "--screenshot", str(tmp_path / "empty.png"))
    assert done.returncode == 0, done.stderr
    assert "no calls in your library yet" in done.stdout
    assert (tmp_path / "empty.png").stat().st_size > 0


def test_command_when_the_library_is_open_elsewhere(library):
    done = run_review("--exit-after", "0.5")
    assert done.returncode == 2
    assert "already open" in done.stderr
