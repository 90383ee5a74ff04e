"""Capture with a fake sounddevice driven synchronously: channel mapping, resampling, drops, device
loss and return, PortAudio missing. Also home of the fake, which test_live.py imports."""

from __future__ import annotations

import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soxr

from coach_app.audio import capture as capture_mod
from coach_app.audio.capture import SILENCE_DB, Capture, CaptureConfig, CaptureState, input_devices

ROOT = Path(__file__).resolve().parent.parent


class FakePortAudioError(Exception):
    pass


class Flags:
    def __init__(self, overflow: bool = False):
        self.input_overflow = overflow

    def __bool__(self) -> bool:
        return self.input_overflow


@dataclass
class FakeDevice:
    name: str
    channels: int = 2
    rate: float = 16000.0  # default_samplerate
    refuses_16k: bool = False
    present: bool = True


@dataclass
class FakeStream:
    sd: FakeSoundDevice
    dev: FakeDevice
    channels: int
    samplerate: float
    blocksize: int
    callback: Any
    finished_callback: Any
    active: bool = False
    closed: bool = False
    broken: bool = False  # `active` raises, as PortAudio does for a host error

    def start(self) -> None:
        if not self.dev.present:
            raise FakePortAudioError("Device unavailable")
        self.active = True
        self.sd.opened.set()

    def close(self, ignore_errors: bool = True) -> None:
        self.active, self.closed = False, True
        self.finished_callback()  # PortAudio calls it on every stop, wanted or not

    def __getattribute__(self, name: str) -> Any:
        if name == "active" and object.__getattribute__(self, "broken"):
            raise FakePortAudioError("Unanticipated host error")
        return object.__getattribute__(self, name)


@dataclass
class FakeSoundDevice:
    """The parts of sounddevice that Capture uses; the test thread calls the stream callbacks."""

    devices: list[FakeDevice]
    streams: list[FakeStream] = field(default_factory=list)
    reinits: int = 0
    opened: threading.Event = field(default_factory=threading.Event)
    PortAudioError = FakePortAudioError

    def query_devices(self, device: Any = None, kind: str | None = None) -> Any:
        if device is None and kind is None:
            return [self._info(d) for d in self.devices if d.present]
        return self._info(self._find(device))

    def check_input_settings(self, device: Any = None, channels: int = 1, dtype: str = "int16",
                             samplerate: float | None = None) -> None:
        dev = self._find(device)
        if channels > dev.channels:
            raise FakePortAudioError("Invalid number of channels")
        if samplerate != dev.rate and (samplerate != 16000 or dev.refuses_16k):
            raise FakePortAudioError("Invalid sample rate")

    def InputStream(self, device: Any = None, channels: int = 1, samplerate: float = 16000,  # noqa: N802
                    dtype: str = "int16", blocksize: int = 0, callback: Any = None,
                    finished_callback: Any = None) -> FakeStream:
        self.check_input_settings(device, channels, dtype, samplerate)
        stream = FakeStream(self, self._find(device), channels, samplerate, blocksize, callback, finished_callback)
        self.streams.append(stream)
        return stream

    def _terminate(self) -> None:
        self.reinits += 1

    def _initialize(self) -> None:
        pass

    def _find(self, device: Any) -> FakeDevice:
        present = [d for d in self.devices if d.present]
        if device is None:
            if not present:
                raise FakePortAudioError("No default input device")
            return present[0]
        if isinstance(device, int):
            return self.devices[device]
        for d in present:
            if device.lower() in d.name.lower():
                return d
        raise ValueError(f"No input device matching {device!r}")

    @staticmethod
    def _info(d: FakeDevice) -> dict:
        return {"name": d.name, "max_input_channels": d.channels, "default_samplerate": d.rate}

    # -- test drivers ------------------------------------------------------------------------------
    def stream(self, name: str) -> FakeStream:
        return next(s for s in reversed(self.streams) if s.dev.name == name and s.active)

    def play(self, name: str, samples: np.ndarray, overflow_every: int = 0) -> None:
        """Deliver (n, channels) int16 samples through the open stream's callback, block by block."""
        stream = self.stream(name)
        samples = np.asarray(samples, np.int16)
        samples = (samples if samples.ndim == 2 else samples[:, None])[:, :stream.channels]
        for k, i in enumerate(range(0, len(samples), stream.blocksize)):
            block = np.ascontiguousarray(samples[i:i + stream.blocksize])
            stream.callback(block, len(block), None, Flags(bool(overflow_every) and k % overflow_every == 0))

    def unplug(self, name: str) -> None:
        dev = next(d for d in self.devices if d.name == name)
        dev.present = False
        for s in self.streams:
            if s.dev is dev and s.active:
                s.active = False
                s.finished_callback()

    def replug(self, name: str) -> None:
        next(d for d in self.devices if d.name == name).present = True


class FakeClock:
    def __init__(self, t: float = 100.0):
        self.t = t

    def __call__(self) -> float:
        return self.t


def tone(n: int, freq: float, channels: int = 1, amp: int = 8000, rate: int = 16000) -> np.ndarray:
    x = (amp * np.sin(2 * np.pi * freq * np.arange(n) / rate)).astype(np.int16)
    return np.repeat(x[:, None], channels, axis=1)


def collect(chunks: list) -> dict[str, np.ndarray]:
    out = {}
    for role in ("agent", "customer"):
        parts = [x for r, x in chunks if r == role]
        out[role] = np.concatenate(parts) if parts else np.zeros(0, np.int16)
    return out


def headset(**kwargs: Any) -> tuple[FakeSoundDevice, Capture, FakeClock]:
    sd = FakeSoundDevice([FakeDevice("USB Headset", **kwargs)])
    clock = FakeClock()
    cap = Capture(CaptureConfig(agent_device="USB Headset"), sd_module=sd, clock=clock)
    return sd, cap, clock


def test_stereo_device_channels_map_to_agent_and_customer():
    sd = FakeSoundDevice([FakeDevice("Mixer", channels=4)])
    cap = Capture(CaptureConfig(agent_device="Mixer", agent_channel=2, customer_channel=0), sd_module=sd)
    assert cap.open() and cap.state is CaptureState.RUNNING
    assert "channel 3" in cap.message and "channel 1" in cap.message
    data = np.zeros((1600, 4), np.int16)
    data[:, 2], data[:, 0], data[:, 1] = np.arange(1600), -np.arange(1600), 7
    sd.play("Mixer", data)
    got = collect(cap.read())
    assert np.array_equal(got["agent"], data[:, 2]) and np.array_equal(got["customer"], data[:, 0])
    assert sd.stream("Mixer").samplerate == 16000 and sd.stream("Mixer").blocksize == 320


def test_device_refusing_16k_opens_at_its_own_rate_and_is_resampled():
    sd, cap, _ = headset(rate=48000.0, refuses_16k=True)
    assert cap.open()
    assert cap.rates == {"agent": 48000.0, "customer": 48000.0} and "48 kHz" in cap.message
    x = np.column_stack([tone(48000, 440)[:, 0], tone(48000, 1000)[:, 0]])
    sd.play("USB Headset", x)
    got = collect(cap.read() + cap.close())
    ref = soxr.ResampleStream(48000, 16000, 2, dtype="float32", quality="HQ")
    y = np.concatenate([ref.resample_chunk(x.astype(np.float32) / 32768, last=False),
                        ref.resample_chunk(np.zeros((0, 2), np.float32), last=True)])
    expected = (np.clip(y, -1, 1) * 32767).astype(np.int16)
    assert len(got["agent"]) == 16000
    assert np.array_equal(got["agent"], expected[:, 0]) and np.array_equal(got["customer"], expected[:, 1])


def test_full_queue_counts_drops_and_keeps_time():
    sd = FakeSoundDevice([FakeDevice("USB Headset")])
    cap = Capture(CaptureConfig(agent_device="USB Headset", queue_blocks=4), sd_module=sd)
    cap.open()
    sd.play("USB Headset", tone(320 * 10, 300, 2))  # 10 blocks into a queue of 4: no exception
    assert cap.dropped_blocks == 6
    first = cap.read()
    sd.play("USB Headset", tone(320, 300, 2))
    got = collect(first + cap.read())
    assert len(got["agent"]) == 320 * 11  # the dropped blocks come back as silence, in their place
    assert not got["agent"][320 * 4:320 * 10].any() and got["agent"][320 * 10:].any()


def test_input_overflow_flags_count_as_dropped_blocks():
    sd, cap, _ = headset()
    cap.open()
    sd.play("USB Headset", tone(320 * 6, 300, 2), overflow_every=3)
    assert cap.dropped_blocks == 2


def test_unplugged_device_is_lost_keeps_audio_and_comes_back():
    sd, cap, clock = headset()
    cap.open()
    before = tone(16000, 300, 2)
    sd.play("USB Headset", before)
    cap.check()
    sd.unplug("USB Headset")
    cap.check()
    assert cap.state is CaptureState.DEVICE_LOST
    assert "USB Headset" in cap.message and "unplugged" in cap.message and "kept" in cap.message
    assert cap.levels() == (SILENCE_DB, SILENCE_DB)
    assert np.array_equal(collect(cap.read())["agent"], before[:, 0])  # nothing captured is lost

    clock.t += 2.5
    cap.check()  # retry while it is still missing
    assert cap.state is CaptureState.DEVICE_LOST and "Still missing" in cap.message
    sd.replug("USB Headset")
    clock.t += 1.0
    cap.check()
    assert cap.state is CaptureState.DEVICE_LOST  # not yet: retries are spaced reopen_every_s apart
    clock.t += 1.5
    cap.check()
    assert cap.state is CaptureState.RUNNING and sd.reinits >= 2
    sd.play("USB Headset", tone(800, 500, 2))
    got = collect(cap.read())
    assert cap.gap_seconds == pytest.approx(5.0)
    assert len(got["agent"]) == 5 * 16000 + 800 and not got["agent"][:80000].any()


def test_stream_error_and_stall_are_device_lost():
    sd, cap, clock = headset()
    cap.open()
    sd.stream("USB Headset").broken = True
    cap.check()
    assert cap.state is CaptureState.DEVICE_LOST and "error" in cap.message

    clock.t += 3
    cap.check()
    assert cap.state is CaptureState.RUNNING
    sd.play("USB Headset", tone(320, 300, 2))
    cap.check()
    clock.t += 2.5  # nothing arrives for longer than stall_s: CoreAudio's way of losing a device
    cap.check()
    assert cap.state is CaptureState.DEVICE_LOST and "sent nothing" in cap.message


def test_no_device_says_so_and_starts_when_one_is_plugged_in():
    sd = FakeSoundDevice([FakeDevice("USB Headset", present=False)])
    clock = FakeClock()
    cap = Capture(CaptureConfig(), sd_module=sd, clock=clock)
    assert not cap.open()
    assert cap.state is CaptureState.NO_DEVICE and "No microphone or headset found" in cap.message
    sd.replug("USB Headset")
    clock.t += 2
    cap.check()
    assert cap.state is CaptureState.RUNNING


def test_mono_device_cannot_carry_both_sides():
    sd = FakeSoundDevice([FakeDevice("Laptop Mic", channels=1)])
    cap = Capture(CaptureConfig(), sd_module=sd)
    assert not cap.open()
    assert "1 input channel" in cap.message and "second device" in cap.message


def test_portaudio_missing_is_a_message_not_a_crash(monkeypatch):
    def broken() -> Any:
        raise OSError("PortAudio library not found")

    monkeypatch.setattr(capture_mod, "_import_sounddevice", broken)
    cap = Capture()
    assert not cap.open()
    assert cap.state is CaptureState.NO_AUDIO_SYSTEM
    assert "PortAudio" in cap.message and "libportaudio2" in cap.message
    assert cap.message == input_devices().problem
    cap.check()
    assert cap.read() == [] and cap.close() == [] and cap.state is CaptureState.NO_AUDIO_SYSTEM


def test_importing_without_portaudio_does_not_crash(tmp_path):
    (tmp_path / "sounddevice.py").write_text("raise OSError('PortAudio library not found')\n")
    code = ("from coach_app.settings import Settings\nfrom coach_app.live import LiveSession\n"
            "from coach_app.audio.capture import Capture\n"
            "s = LiveSession(Capture(), Settings(), None)\ns.start()\nprint(s.stop(), s.stats().state.value)\n")
    env = {"PYTHONPATH": f"{tmp_path}:{ROOT}", "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
    assert out.strip() == "[] no audio system"


def test_mic_only_opens_a_mono_microphone_for_the_agent_alone():
    """Practice: a plain one-channel microphone is enough; the customer is simulated."""
    sd = FakeSoundDevice([FakeDevice("Laptop Mic", channels=1)])
    cap = Capture(CaptureConfig(agent_device="Laptop Mic", mic_only=True), sd_module=sd)
    assert cap.open() and cap.state is CaptureState.RUNNING
    assert sd.stream("Laptop Mic").channels == 1
    sd.play("Laptop Mic", tone(1600, 300))
    got = collect(cap.read())
    assert len(got["agent"]) == 1600 and len(got["customer"]) == 0
    # Without mic_only the same microphone cannot carry a customer channel: a clear failure, no crash.
    stereo = Capture(CaptureConfig(agent_device="Laptop Mic"), sd_module=FakeSoundDevice([FakeDevice("Laptop Mic", channels=1)]))
    assert not stereo.open() and stereo.state is not CaptureState.RUNNING
