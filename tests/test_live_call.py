"""A live call end to end with a fake headset: capture -> engine -> overlay, recorded into the library."""

from __future__ import annotations

import numpy as np
import soundfile as sf

from coach_app.asr.select import choose_engine
from coach_app.audio.capture import DeviceStatus, InputDevice
from coach_app.paths import models_dir
from coach_app.settings import CaptureSettings, Settings
from coach_app.store.library import Library
from conftest import FIXTURES
from test_capture import FakeDevice, FakeSoundDevice


def test_live_call_is_coached_and_saved(qtbot, render, tmp_path):
    from dataclasses import replace

    from coach_app.ui.main_window import MainWindow

    wav, truth = render((FIXTURES / "quick_reply.call").read_text())
    audio, _ = sf.read(str(wav), dtype="int16")
    settings = replace(Settings(), capture=CaptureSettings(agent_device="USB Headset"))
    devices = DeviceStatus((InputDevice(0, "USB Headset", 2, 16000.0),))
    window = MainWindow(settings, choose_engine("sphinx", "en", models_dir()), "", devices)
    qtbot.addWidget(window)
    assert window.live_button.isEnabled()

    sd = FakeSoundDevice([FakeDevice("USB Headset")])
    library = Library(tmp_path / "library")
    window.start_live_call(sd_module=sd, library=library)
    live = window.live
    assert sd.opened.wait(10)
    half = len(audio) // 2
    sd.play("USB Headset", audio[:half])
    qtbot.waitUntil(lambda: live.session.stats().seconds >= half / 16000 - 0.1, timeout=20000)
    live.overlay.rec_button.click()  # a private moment
    sd.play("USB Headset", audio[half:])
    qtbot.waitUntil(lambda: live.session.stats().seconds >= len(audio) / 16000 - 0.1, timeout=20000)
    qtbot.waitUntil(lambda: live.overlay.arbiter.visible is not None, timeout=5000)
    marked = live.overlay.arbiter.visible.id
    live.overlay.unhelpful_button.click()  # the agent's own verdict, kept with the nudge
    live.overlay.call_button.click()  # stop

    assert live.call_id is not None and "saved" in live.overlay.rec_label.text()
    detail = library.call_detail(live.call_id)
    kinds = {n["kind"] for n in detail.nudges}
    assert "pause" in kinds
    assert [n["feedback"] for n in detail.nudges if n["nudge_id"] == marked] == ["not_helpful"]
    assert any("order" in u["text"] for u in detail.utterances)
    recorded, rate = sf.read(str(library.call_detail(live.call_id).audio_path), dtype="int16")
    assert rate == 16000 and abs(len(recorded) - len(audio)) < 1600
    assert np.abs(recorded[half + 3200:]).max() == 0  # after "pause recording": silence, timeline kept
    library.close()


def test_disk_full_mid_call_keeps_coaching_and_what_was_recorded(qtbot, render, tmp_path, monkeypatch):
    from dataclasses import replace

    from coach_app.store.recorder import DiskFull, WavRecorder
    from coach_app.ui.main_window import MainWindow

    original = WavRecorder.write

    def filling_up(self, block):
        if self.frames >= 2 * 16000:  # two seconds in, the disk is full
            raise DiskFull(self.path, self.t)
        original(self, block)

    monkeypatch.setattr(WavRecorder, "write", filling_up)
    wav, _ = render((FIXTURES / "quick_reply.call").read_text())
    audio, _ = sf.read(str(wav), dtype="int16")
    settings = replace(Settings(), capture=CaptureSettings(agent_device="USB Headset"))
    window = MainWindow(settings, choose_engine("sphinx", "en", models_dir()), "",
                        DeviceStatus((InputDevice(0, "USB Headset", 2, 16000.0),)))
    qtbot.addWidget(window)
    sd = FakeSoundDevice([FakeDevice("USB Headset")])
    library = Library(tmp_path / "library")
    window.start_live_call(sd_module=sd, library=library)
    live = window.live
    assert sd.opened.wait(10)
    first = int(2.5 * 16000)  # written before the disk fills (the worker may take it in one block)
    sd.play("USB Headset", audio[:first])
    qtbot.waitUntil(lambda: live.session.stats().seconds >= 2.4, timeout=20000)
    sd.play("USB Headset", audio[first:])
    qtbot.waitUntil(lambda: "disk is full" in live.overlay.message_label.text(), timeout=20000)
    qtbot.waitUntil(lambda: live.session.stats().seconds >= len(audio) / 16000 - 0.1, timeout=20000)
    live.overlay.call_button.click()

    detail = library.call_detail(live.call_id)
    assert any(n["kind"] == "pause" for n in detail.nudges)  # coaching went on after the disk filled
    kept, _ = sf.read(str(detail.audio_path), dtype="int16")
    assert 2.0 * 16000 <= len(kept) <= 2.6 * 16000  # the recording up to then is kept, no more
    library.close()
