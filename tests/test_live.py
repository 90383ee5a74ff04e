"""LiveSession over a fake sounddevice (driven synchronously from WAVs) and FileSource: the live path
gives exactly the events of batch analysis, and keeps going through drops and lost devices."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import soundfile as sf

from coach_app.asr.sphinx import SphinxFactory
from coach_app.audio import capture as capture_mod
from coach_app.audio.capture import SILENCE_DB, Capture, CaptureConfig, CaptureState
from coach_app.audio.wavsource import open_call
from coach_app.batch import analyze_call
from coach_app.engine import CallEngine
from coach_app.events import Nudge, SpeechStarted
from coach_app.live import FileSource, LiveSession
from coach_app.prompts import default_rules
from coach_app.settings import Settings
from conftest import FIXTURES
from test_capture import FakeClock, FakeDevice, FakeSoundDevice

BIG = 100_000  # queue blocks: the test thread delivers far faster than real time


class Tape:
    """A recorder that keeps every frame block."""

    def __init__(self) -> None:
        self.blocks: list[np.ndarray] = []

    def __call__(self, frames: np.ndarray) -> None:
        assert frames.ndim == 2 and frames.shape[1] == 2 and frames.dtype == np.int16
        self.blocks.append(frames.copy())

    @property
    def frames(self) -> np.ndarray:
        return np.concatenate(self.blocks) if self.blocks else np.zeros((0, 2), np.int16)


@pytest.fixture(scope="module")
def call_wav(render):
    wav, _ = render((FIXTURES / "quick_reply.call").read_text())
    return wav


def samples16(wav) -> np.ndarray:
    """The call as the batch path sees it: 16 kHz int16 (n, 2)."""
    return np.concatenate(list(open_call(wav).blocks()))


def batch_events(wav, recognisers=None) -> list:
    return analyze_call(open_call(wav), Settings(), recognisers).events


def stereo_session(rate: float = 16000.0, refuses_16k: bool = False, recorder: Any = None, recognisers: Any = None,
                   **config: Any) -> tuple[FakeSoundDevice, LiveSession, FakeClock]:
    sd = FakeSoundDevice([FakeDevice("USB Headset", rate=rate, refuses_16k=refuses_16k)])
    clock = FakeClock()
    cap = Capture(CaptureConfig(agent_device="USB Headset", queue_blocks=BIG, **config), sd_module=sd, clock=clock)
    return sd, LiveSession(cap, Settings(), recognisers, recorder=recorder), clock


@pytest.mark.parametrize("recognisers", [None, SphinxFactory()], ids=["vad-only", "sphinx"])
def test_live_events_equal_batch_analysis(call_wav, recognisers):
    tape = Tape()
    sd, session, _ = stereo_session(recorder=tape, recognisers=recognisers)
    session.start()  # the real worker thread
    assert sd.opened.wait(10)
    audio = samples16(call_wav)
    sd.play("USB Headset", audio)
    events = session.stop()
    expected = batch_events(call_wav, recognisers)
    assert events == expected
    assert session.poll_events() == expected  # the UI's queue saw the same, in order
    assert np.array_equal(tape.frames, audio)
    stats = session.stats()
    assert stats.dropped_blocks == 0 and stats.seconds == pytest.approx(len(audio) / 16000)
    assert any(isinstance(e, Nudge) for e in events) == (recognisers is not None)
    assert any(isinstance(e, SpeechStarted) for e in events)


def test_device_refusing_16k_is_resampled_and_gives_the_batch_events(render):
    wav48, _ = render((FIXTURES / "quick_reply.call").read_text(), rate=48000)
    raw, rate = sf.read(str(wav48), dtype="int16", always_2d=True)
    assert rate == 48000
    sd, session, _ = stereo_session(rate=48000.0, refuses_16k=True)
    session.start(threaded=False)
    assert session.capture.rates["agent"] == 48000.0
    for i in range(0, len(raw), 48000):  # a second at a time, the worker stepping in between
        sd.play("USB Headset", raw[i:i + 48000])
        session.pump()
    assert session.stop() == batch_events(wav48)


def test_two_devices_mapped_to_agent_and_customer(call_wav):
    sd = FakeSoundDevice([FakeDevice("USB Headset", channels=1), FakeDevice("Monitor of Built-in Audio")])
    config = CaptureConfig(agent_device="Headset", customer_device="Monitor", queue_blocks=BIG)
    tape = Tape()
    session = LiveSession(Capture(config, sd_module=sd), Settings(), None, recorder=tape)
    session.start(threaded=False)
    assert "your microphone: 'USB Headset'" in session.stats().message
    assert "the customer side: 'Monitor of Built-in Audio'" in session.stats().message
    audio = samples16(call_wav)
    agent, customer = audio[:, :1], np.repeat(audio[:, 1:], 2, axis=1)  # the monitor is stereo
    # The devices deliver unevenly (3 agent blocks, then 2 customer, ...); alignment is by sample count.
    a = c = k = 0
    while a < len(audio) or c < len(audio):
        n = (960, 320, 640)[k % 3]
        sd.play("USB Headset", agent[a:a + n])
        session.pump()
        sd.play("Monitor of Built-in Audio", customer[c:c + 640])
        session.pump()
        a, c, k = a + n, c + 640, k + 1
    assert session.stop() == batch_events(call_wav)
    assert np.array_equal(tape.frames, audio)


def test_a_device_falling_behind_is_padded_not_waited_for():
    sd = FakeSoundDevice([FakeDevice("USB Headset", channels=1), FakeDevice("Monitor")])
    config = CaptureConfig(agent_device="Headset", customer_device="Monitor", queue_blocks=BIG)
    tape = Tape()
    session = LiveSession(Capture(config, sd_module=sd), Settings(), None, recorder=tape, max_skew_s=0.25)
    session.start(threaded=False)
    sd.play("Monitor", np.full((16000, 2), 1000, np.int16))  # the headset sends nothing for 1 s
    session.pump()
    assert len(tape.frames) == 16000 - 4000  # the coach runs on, 0.25 s behind the customer side
    assert not tape.frames[:, 0].any() and (tape.frames[:, 1] == 1000).all()
    assert session.stats().padded_seconds == pytest.approx(0.75)
    session.stop()


def test_device_unplugged_mid_call_keeps_everything_and_resumes(call_wav):
    tape = Tape()
    sd, session, clock = stereo_session(recorder=tape)
    session.start(threaded=False)
    audio = samples16(call_wav)
    cut = 16000 * 3
    sd.play("USB Headset", audio[:cut])
    session.pump()
    before = session.poll_events()
    engine = CallEngine(Settings(), None, default_rules(Settings()))
    assert before == engine.feed(audio[:cut])  # exactly what the call so far produces
    assert before

    sd.unplug("USB Headset")
    session.pump()
    stats = session.stats()
    assert stats.state is CaptureState.DEVICE_LOST
    assert "USB Headset" in stats.message and "kept" in stats.message
    assert np.array_equal(tape.frames, audio[:cut]) and session.levels() == (SILENCE_DB, SILENCE_DB)

    clock.t += 2.5
    session.pump()  # still unplugged: stays lost, no exception
    assert session.stats().state is CaptureState.DEVICE_LOST
    sd.replug("USB Headset")
    clock.t += 2.5
    session.pump()
    assert session.stats().state is CaptureState.RUNNING
    sd.play("USB Headset", audio[cut:])
    session.pump()
    events = session.stop()
    assert events[:len(before)] == before
    gap = 5 * 16000
    assert session.stats().gap_seconds == pytest.approx(5.0)
    assert np.array_equal(tape.frames, np.concatenate([audio[:cut], np.zeros((gap, 2), np.int16), audio[cut:]]))
    assert any(isinstance(e, SpeechStarted) and e.t > (cut + gap) / 16000 for e in events)


def test_queue_full_counts_drops_without_exception(call_wav):
    sd = FakeSoundDevice([FakeDevice("USB Headset")])
    session = LiveSession(Capture(CaptureConfig(queue_blocks=10), sd_module=sd), Settings(), None)
    session.start(threaded=False)
    audio = samples16(call_wav)
    sd.play("USB Headset", audio[:320 * 30])  # 30 blocks, nobody reading
    session.pump()
    sd.play("USB Headset", audio[320 * 30:320 * 31])
    session.pump()
    session.stop()
    stats = session.stats()
    assert stats.dropped_blocks == 20 and stats.seconds == pytest.approx(31 * 0.02)


def test_portaudio_missing_session_says_so(monkeypatch):
    def broken() -> Any:
        raise OSError("PortAudio library not found")

    monkeypatch.setattr(capture_mod, "_import_sounddevice", broken)
    session = LiveSession(Capture(), Settings(), None)
    session.start()
    assert session.stop() == []
    stats = session.stats()
    assert stats.state is CaptureState.NO_AUDIO_SYSTEM and "PortAudio" in stats.message and not stats.error
    assert session.levels() == (SILENCE_DB, SILENCE_DB)


def test_recorder_failure_is_reported_and_coaching_goes_on(call_wav):
    def full_disk(frames: np.ndarray) -> None:
        raise OSError("No space left on device")

    source = FileSource(call_wav, realtime=False)
    session = source.session(Settings(), None, recorder=full_disk)
    session.start()
    assert source.done.wait(30)
    assert session.stop() == batch_events(call_wav)
    assert "Recording stopped: No space left on device" in session.stats().error


def test_file_source_runs_the_live_path_as_fast_as_possible(call_wav):
    source = FileSource(call_wav, realtime=False)
    session = source.session(Settings(), None)
    session.start()
    assert source.done.wait(30)
    assert session.stop() == batch_events(call_wav)
    assert session.stats().dropped_blocks == 0


def test_file_source_paces_blocks_at_audio_speed(call_wav):
    clock = FakeClock(0.0)

    def sleep(s: float) -> None:
        clock.t += s

    source = FileSource(call_wav, realtime=True, sleep=sleep, clock=clock)
    events = source.play(Settings(), None)
    assert events == batch_events(call_wav)
    assert clock.t == pytest.approx(open_call(call_wav).duration - 0.02, abs=0.021)
