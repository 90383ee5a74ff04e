"""The device picker with a fake sounddevice: listing, live meters per role, saving only [capture]."""

from __future__ import annotations

import gc
import stat
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication
from test_capture import FakeDevice, FakeSoundDevice, tone

from coach_app.audio.capture import CaptureState
from coach_app.settings import CaptureSettings, SettingsError, load_settings
from coach_app.settings_file import save_capture
from coach_app.ui.device_picker import DevicePicker

OTHER = """# my tuning: keep this comment
language = "en"

[pause]
window_s = 2.5  # slower customers

[capture]
agent_device = "Old Headset"
customer_channel = 1

[fatigue]
max_per_10_min = 4
"""


@pytest.fixture(autouse=True)
def _collect():
    yield
    # free closed pickers (qtbot deletes them later) and the fake's stream<->module cycle now: what
    # they hold (soxr resamplers) would otherwise outlive the interpreter and nanobind warns at exit
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()


def devices() -> FakeSoundDevice:
    return FakeSoundDevice([FakeDevice("USB Headset"), FakeDevice("Built-in Mic", channels=1),
                            FakeDevice("Monitor of Built-in Audio")])


def picker(qtbot, path: Path, sd: FakeSoundDevice, current: CaptureSettings | None = None) -> DevicePicker:
    p = DevicePicker(current or CaptureSettings(), path, sd_module=sd)
    qtbot.addWidget(p)
    return p


def test_lists_input_devices_by_name(qtbot, tmp_path):
    p = picker(qtbot, tmp_path / "settings.toml", devices())
    names = [p.mic_device.itemData(i) for i in range(p.mic_device.count())]
    assert names == ["", "USB Headset", "Built-in Mic", "Monitor of Built-in Audio"]
    assert p.stereo.isChecked() and p.ok.isEnabled()
    assert p.capture is not None and p.capture.state is CaptureState.RUNNING


def test_two_devices_drive_the_right_meter(qtbot, tmp_path):
    sd = devices()
    p = picker(qtbot, tmp_path / "settings.toml", sd)
    p.two.setChecked(True)
    p.mic_device.setCurrentIndex(p.mic_device.findData("Built-in Mic"))
    assert p.customer_device.currentData() == "Monitor of Built-in Audio"  # a monitor input is the guess
    assert p.selection() == CaptureSettings("Built-in Mic", "Monitor of Built-in Audio", 0, -1)
    sd.play("Monitor of Built-in Audio", tone(1600, 440, channels=2))
    p.poll()
    assert p.meters["customer"].value() > 40 and p.meters["agent"].value() == 0
    assert p.capture is not None and p.capture.backlog() == 0  # the preview drains its queue
    sd.play("Built-in Mic", tone(1600, 300))
    p.poll()
    assert p.meters["agent"].value() > 40


def test_stereo_channels_map_and_refuse_the_same_channel(qtbot, tmp_path):
    sd = devices()
    p = picker(qtbot, tmp_path / "settings.toml", sd)
    p.stereo_device.setCurrentIndex(p.stereo_device.findData("USB Headset"))
    p.agent_channel.setCurrentIndex(1)
    p.customer_channel.setCurrentIndex(0)
    x = np.zeros((1600, 2), np.int16)
    x[:, 1] = tone(1600, 440)[:, 0]  # only the right channel: that is "you" now
    sd.play("USB Headset", x)
    p.poll()
    assert p.meters["agent"].value() > 40 and p.meters["customer"].value() == 0
    p.customer_channel.setCurrentIndex(1)
    assert not p.ok.isEnabled() and "different channels" in p.problem.text()


def test_ok_saves_capture_and_keeps_other_settings(qtbot, tmp_path):
    path = tmp_path / "settings.toml"
    path.write_text(OTHER, encoding="utf-8")
    sd = devices()
    p = picker(qtbot, path, sd, load_settings(path).capture)
    assert p.stereo_device.currentText().endswith("(not connected)")  # remembered, though unplugged
    p.two.setChecked(True)
    p.mic_device.setCurrentIndex(p.mic_device.findData("USB Headset"))
    p.ok.click()
    assert p.result() == DevicePicker.DialogCode.Accepted and p.capture is None
    s = load_settings(path)
    assert s.capture == p.chosen == CaptureSettings("USB Headset", "Monitor of Built-in Audio", 0, -1)
    assert s.pause.window_s == 2.5 and s.fatigue.max_per_10_min == 4 and s.language == "en"
    text = path.read_text(encoding="utf-8")
    assert "# my tuning: keep this comment" in text and "# slower customers" in text
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert all(s.closed for s in sd.streams)


def test_cancel_leaves_the_file_untouched(qtbot, tmp_path):
    path = tmp_path / "settings.toml"
    path.write_text(OTHER, encoding="utf-8")
    sd = devices()
    p = picker(qtbot, path, sd)
    p.two.setChecked(True)
    p.buttons.rejected.emit()
    assert p.chosen is None and path.read_text(encoding="utf-8") == OTHER
    assert p.capture is None and sd.streams and all(s.closed for s in sd.streams)


def test_no_devices_says_so_and_disables_ok(qtbot, tmp_path):
    sd = FakeSoundDevice([])
    p = picker(qtbot, tmp_path / "settings.toml", sd)
    assert "No microphone or headset found" in p.problem.text() and not p.problem.isHidden()
    assert not p.ok.isEnabled() and p.capture is None and not (tmp_path / "settings.toml").exists()


def test_closing_closes_the_preview_and_unplug_is_shown(qtbot, tmp_path):
    sd = devices()
    p = picker(qtbot, tmp_path / "settings.toml", sd, CaptureSettings(agent_device="USB Headset"))
    p.show()
    sd.unplug("USB Headset")
    qtbot.waitUntil(lambda: "unplugged?" in p.message.text(), timeout=2000)  # the QTimer polls by itself
    p.close()
    assert p.capture is None and all(s.closed for s in sd.streams)


def test_refused_16k_is_reported(qtbot, tmp_path):
    sd = FakeSoundDevice([FakeDevice("Pro Audio", rate=48000.0, refuses_16k=True)])
    p = picker(qtbot, tmp_path / "settings.toml", sd)
    assert "48 kHz" in p.message.text()


def test_save_capture_adds_section_to_new_or_sectionless_file(tmp_path):
    path = tmp_path / "sub" / "settings.toml"
    save_capture(path, CaptureSettings(agent_device='Odd "name"', agent_channel=1, customer_channel=0))
    assert load_settings(path).capture == CaptureSettings('Odd "name"', "", 1, 0)
    path.write_text('language = "zh"', encoding="utf-8")  # no trailing newline, no tables
    save_capture(path, CaptureSettings(agent_device="X"))
    assert load_settings(path).language == "zh" and load_settings(path).capture.agent_device == "X"


def test_save_capture_never_overwrites_a_file_it_cannot_read(tmp_path):
    path = tmp_path / "settings.toml"
    for bad in ("language = ", 'capture.agent_device = "x"\n'):
        path.write_text(bad, encoding="utf-8")
        with pytest.raises(SettingsError):
            save_capture(path, CaptureSettings(agent_device="Y"))
        assert path.read_text(encoding="utf-8") == bad
