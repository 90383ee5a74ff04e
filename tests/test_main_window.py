"""The desktop window (pytest-qt, offscreen): status in plain words, analysis of a recording."""

from __future__ import annotations

import pytest

from coach_app.asr.select import choose_engine
from coach_app.audio.capture import DeviceStatus, input_devices
from coach_app.paths import models_dir
from coach_app.settings import Settings
from conftest import FIXTURES



@pytest.fixture
def window(qtbot):
    from coach_app.ui.main_window import MainWindow

    devices = DeviceStatus((), "No microphone or headset found. Plug in a headset, or try the demo call.")
    win = MainWindow(Settings(), choose_engine("auto", "en", models_dir()), "", devices)
    qtbot.addWidget(win)
    win.show()
    return win


def test_says_plainly_when_there_is_no_audio_device(window):
    assert "No live audio" in window.device_label.text() and "headset" in window.device_label.text()
    assert "pocketsphinx" in window.engine_label.text()


def test_analyses_a_recording_and_shows_the_missed_pause(window, qtbot, render):
    wav, _ = render((FIXTURES / "quick_reply.call").read_text())
    with qtbot.waitSignal(window.analysis_done, timeout=30000):
        window.analyze(wav)
    rows = [window.timeline.item(i).text() for i in range(window.timeline.count())]
    assert any("PAUSE" in r and "missed" in r for r in rows)
    assert any("CUSTOMER" in r for r in rows) and any("AGENT" in r for r in rows)
    assert "Summary:" in window.summary.text()
    assert window.analyze_button.isEnabled()


def test_bad_file_is_reported_not_raised(window, qtbot, tmp_path):
    bad = tmp_path / "bad.wav"
    bad.write_text("not audio")
    with qtbot.waitSignal(window.analysis_done, timeout=10000):
        window.analyze(bad)
    assert "not a readable" in window.status.text()
    assert window.timeline.count() == 0


def test_missing_portaudio_is_reported_not_raised():
    class NoPortAudio:
        def query_devices(self):
            raise OSError("PortAudio library not found")

    status = input_devices(NoPortAudio())
    assert not status.ok and "libportaudio2" in status.problem


def test_devices_listed_from_a_fake_sounddevice():
    class Fake:
        def query_devices(self):
            return [{"name": "Headset Mic", "max_input_channels": 1, "default_samplerate": 48000.0},
                    {"name": "Speakers", "max_input_channels": 0, "default_samplerate": 48000.0}]

    status = input_devices(Fake())
    assert status.ok and [d.name for d in status.devices] == ["Headset Mic"]


def test_demo_button_opens_the_live_overlay(window, qtbot, render):
    wav, _ = render((FIXTURES / "quick_reply.call").read_text())
    window.play_demo(str(wav))
    assert window.demo is not None and window.demo.overlay.isVisible()
    qtbot.waitUntil(lambda: window.demo.session.stats().seconds > 0.5, timeout=10000)
    window.close()
    assert not window.demo.session.running


def test_review_button_opens_the_library(window, qtbot):
    window.open_review()
    assert window.review is not None and window.review.isVisible()
    assert window.library() is window.library()  # one library, one lock
