"""Choosing which devices carry the agent and the customer, with live level meters to prove it.

While the dialog is open the current choice is captured for real (same Capture as a call), so the
agent sees their own voice move "You" and the customer side move "Customer" before the call starts.
OK remembers the choice by device name in the settings file; Cancel changes nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel,
                               QProgressBar, QRadioButton, QVBoxLayout, QWidget)

from coach_app.audio import SAMPLE_RATE
from coach_app.audio.capture import Capture, CaptureState, InputDevice, input_devices
from coach_app.settings import CaptureSettings, SettingsError
from coach_app.settings_file import save_capture
from coach_app.ui.coach_overlay import METER_FALL_DB
from coach_app.ui.live_call import capture_config

POLL_MS = 50
DEFAULT = "System default input"


class DevicePicker(QDialog):
    def __init__(self, current: CaptureSettings, settings_path: Path, sd_module: Any = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Choose your audio devices")
        self.current = current
        self.chosen: CaptureSettings | None = None  # set when OK saved the choice
        self.capture: Capture | None = None
        self._path = settings_path
        self._sd_module = sd_module
        self._shown = {"agent": -60.0, "customer": -60.0}
        status = input_devices(sd_module)
        self.devices: tuple[InputDevice, ...] = status.devices

        self.stereo = QRadioButton("One stereo device (headset adapter): one channel is you, the other the customer")
        self.two = QRadioButton("Two devices: your microphone, and the customer side (a loopback / monitor input)")
        self.stereo_device, self.agent_channel, self.customer_channel = QComboBox(), QComboBox(), QComboBox()
        self.mic_device, self.customer_device = QComboBox(), QComboBox()
        self.meters = {"agent": _meter(), "customer": _meter()}
        self._no_devices = status.problem  # plain words from input_devices(): no headset, no PortAudio...
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #a02000; font-weight: bold;")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.poll)
        self._layout()
        self._fill(current)

        for w in (self.stereo, self.two):
            w.toggled.connect(self._changed)
        self.stereo_device.currentIndexChanged.connect(self._stereo_device_changed)
        for c in (self.agent_channel, self.customer_channel, self.mic_device, self.customer_device):
            c.currentIndexChanged.connect(self._changed)
        self.buttons.accepted.connect(self._save)
        self.buttons.rejected.connect(self.reject)
        self._changed()

    # -- the choice --------------------------------------------------------------------------------
    def selection(self) -> CaptureSettings:
        """What the dialog shows now, as settings (devices by name)."""
        if self.two.isChecked():
            return CaptureSettings(agent_device=self.mic_device.currentData() or "",
                                   customer_device=self.customer_device.currentData() or "",
                                   agent_channel=0, customer_channel=-1)
        return CaptureSettings(agent_device=self.stereo_device.currentData() or "", customer_device="",
                               agent_channel=max(0, self.agent_channel.currentIndex()),
                               customer_channel=max(0, self.customer_channel.currentIndex()))

    def _fill(self, current: CaptureSettings) -> None:
        for combo, value, allow_default in ((self.stereo_device, current.agent_device, True),
                                            (self.mic_device, current.agent_device, True),
                                            (self.customer_device, current.customer_device, False)):
            if allow_default:
                combo.addItem(DEFAULT, "")
            for d in self.devices:
                combo.addItem(f"{d.name}  ({d.channels} ch)", d.name)
            if value and combo.findData(value) < 0:
                # remembered but unplugged (or a partial name): keep it rather than silently switch
                match = [d.name for d in self.devices if value.lower() in d.name.lower()]
                if match:
                    value = match[0]
                else:
                    combo.addItem(f"{value}  (not connected)", value)
            combo.setCurrentIndex(max(0, combo.findData(value)))
        if not current.customer_device:  # the customer side defaults to the first monitor/loopback input
            monitor = [d.name for d in self.devices if any(w in d.name.lower() for w in ("monitor", "loopback"))]
            if monitor:
                self.customer_device.setCurrentIndex(self.customer_device.findData(monitor[0]))
        self._fill_channels(current.agent_channel, 1 if current.customer_channel < 0 else current.customer_channel)
        (self.two if current.customer_device else self.stereo).setChecked(True)
        if not self.devices:
            for w in (self.stereo, self.two, self.stereo_device, self.agent_channel, self.customer_channel,
                      self.mic_device, self.customer_device):
                w.setEnabled(False)

    def _fill_channels(self, agent: int, customer: int) -> None:
        name = self.stereo_device.currentData()
        dev = next((d for d in self.devices if d.name == name), None)
        n = max(2, dev.channels if dev else 2, agent + 1, customer + 1)
        for combo, pick in ((self.agent_channel, agent), (self.customer_channel, customer)):
            combo.blockSignals(True)
            combo.clear()
            combo.addItems([f"Channel {i + 1}" + (" (left)" if i == 0 else " (right)" if i == 1 else "")
                            for i in range(n)])
            combo.setCurrentIndex(pick)
            combo.blockSignals(False)

    def _stereo_device_changed(self) -> None:
        self._fill_channels(max(0, self.agent_channel.currentIndex()), max(0, self.customer_channel.currentIndex()))
        self._changed()

    def _changed(self) -> None:
        two = self.two.isChecked()
        self.stereo_box.setVisible(not two)
        self.two_box.setVisible(two)
        choice = self.selection()
        same = (not two and choice.agent_channel == choice.customer_channel) or (
            two and choice.customer_device and choice.customer_device == choice.agent_device)
        self.problem.setText(self._no_devices if not self.devices else
                             "You and the customer must be on different channels or devices." if same else "")
        self.problem.setVisible(bool(self.problem.text()))
        self.ok.setEnabled(bool(self.devices) and not same and (not two or bool(choice.customer_device)))
        if self.devices:
            self._restart_preview(choice)

    # -- preview -----------------------------------------------------------------------------------
    def _restart_preview(self, choice: CaptureSettings) -> None:
        self.stop_preview()
        self.capture = Capture(capture_config(choice), sd_module=self._sd_module)
        self.capture.open()
        self._shown = {"agent": -60.0, "customer": -60.0}
        self.poll()
        self.timer.start()

    def poll(self) -> None:
        """One meter update: drain the capture (its queue must not fill), watch its health, show levels."""
        cap = self.capture
        if cap is None:
            return
        cap.read(timeout=0)  # the audio itself is not needed here, only the levels it produces
        cap.check()  # notices an unplugged device and reopens one that came back
        levels = cap.levels() if cap.state is CaptureState.RUNNING else (-60.0, -60.0)
        for name, db in zip(("agent", "customer"), levels):
            self._shown[name] = max(float(db), self._shown[name] - METER_FALL_DB)  # rise at once, fall slowly
            self.meters[name].setValue(int(max(0.0, min(60.0, self._shown[name] + 60.0))))
        text = cap.message
        if cap.state is CaptureState.RUNNING:
            if any(rate != SAMPLE_RATE for rate in cap.rates.values()):
                text += " That device refuses 16 kHz, so its audio is converted; coaching works the same."
            text += " Speak, and the You bar should move."
        if self.message.text() != text:
            self.message.setText(text)

    def stop_preview(self) -> None:
        self.timer.stop()
        if self.capture is not None:
            self.capture.close()
            self.capture = None

    # -- closing -----------------------------------------------------------------------------------
    def _save(self) -> None:
        choice = self.selection()
        try:
            save_capture(self._path, choice)
        except (OSError, SettingsError) as exc:
            self.problem.setText(f"Could not save your choice: {exc}")
            self.problem.setVisible(True)
            return
        self.chosen = choice
        self.accept()

    def done(self, result: int) -> None:
        self.stop_preview()  # accept, reject, Esc and the window's close button all end here
        super().done(result)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self.stop_preview()
        super().closeEvent(event)

    # -- layout ------------------------------------------------------------------------------------
    def _layout(self) -> None:
        self.stereo_box, self.two_box = QWidget(), QWidget()
        form = QFormLayout(self.stereo_box)
        form.addRow("Device", self.stereo_device)
        form.addRow("You are", self.agent_channel)
        form.addRow("The customer is", self.customer_channel)
        form = QFormLayout(self.two_box)
        form.addRow("Your microphone", self.mic_device)
        form.addRow("The customer side", self.customer_device)
        choice = QVBoxLayout()
        for w in (self.stereo, self.two, self.stereo_box, self.two_box):
            choice.addWidget(w)
        meters = QFormLayout()
        meters.addRow("You", self.meters["agent"])
        meters.addRow("Customer", self.meters["customer"])
        levels = QGroupBox("Levels now")
        levels.setVisible(bool(self.devices))  # empty meters next to "no device" would only confuse
        inner = QVBoxLayout(levels)
        inner.addLayout(meters)
        inner.addWidget(self.message)
        layout = QVBoxLayout(self)
        layout.addLayout(choice)
        layout.addWidget(self.problem)
        layout.addWidget(levels)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(self.buttons)
        layout.addLayout(bottom)
        self.setMinimumWidth(560)


def choose_devices(current: CaptureSettings, settings_path: Path, sd_module: Any = None,
                   parent: QWidget | None = None) -> CaptureSettings | None:
    """Run the picker; the new settings (already saved) or None when cancelled."""
    picker = DevicePicker(current, settings_path, sd_module, parent)
    picker.exec()
    return picker.chosen


def _meter() -> QProgressBar:
    bar = QProgressBar()
    bar.setRange(0, 60)  # -60..0 dBFS, as in the overlay
    bar.setTextVisible(False)
    bar.setFixedHeight(14)
    return bar
