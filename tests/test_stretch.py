"""Faster playback keeps the voices' pitch (audio/stretch.py, through the review window's Playback):
the pitch stays, the duration shrinks by the speed, the position is exact, 1x is untouched."""

from __future__ import annotations

import numpy as np
import pytest

from coach_app.audio import stretch
from coach_app.audio.prosody import estimate_pitch
from coach_app.synth.flite import render_text

RATE = 16000
SPEEDS = (1.25, 1.5)
pytestmark = pytest.mark.skipif(not stretch.AVAILABLE, reason="pedalboard is not installed")


def tone(hz: float = 200.0, seconds: float = 3.0, quiet: float = 0.5) -> np.ndarray:
    """Stereo int16: silence, a tone, silence (the tone's length shows the duration after stretching)."""
    t = np.arange(int(seconds * RATE)) / RATE
    x = np.concatenate([np.zeros(int(quiet * RATE)), 0.3 * np.sin(2 * np.pi * hz * t), np.zeros(int(quiet * RATE))])
    left = np.round(x * 32767).astype(np.int16)
    return np.stack([left, left // 2], axis=1)


def played(audio: np.ndarray, speed: float, block: int = 512) -> np.ndarray:
    """What the callback would play from the start to the end, chunks made as they are asked for."""
    stretcher, frame, out = stretch.ChunkStretcher(audio, RATE), 0.0, []
    while frame < len(audio):
        buf = np.zeros((block, audio.shape[1]), np.int16)
        while not stretcher.read(buf, frame, speed):
            stretcher.fill(speed, stretcher.chunk_at(round(frame / speed), speed))
        out.append(buf)
        frame += block * speed
    return np.concatenate(out)


def peak_hz(x: np.ndarray) -> float:
    x = x.astype(np.float64) * np.hanning(len(x))
    return float(np.argmax(np.abs(np.fft.rfft(x)))) * RATE / len(x)


def loud_span(x: np.ndarray, below_db: float = 30.0) -> float:
    """Seconds from the first to the last 10 ms frame within `below_db` of the loudest."""
    frames = x[: len(x) // 160 * 160].astype(np.float64).reshape(-1, 160)
    rms = np.sqrt((frames**2).mean(axis=1))
    loud = np.flatnonzero(rms >= rms.max() * 10 ** (-below_db / 20))
    return (loud[-1] - loud[0] + 1) * 0.01


def median_f0(x: np.ndarray) -> float:
    f0 = [estimate_pitch(x[i:i + 640].astype(np.float32) / 32768, RATE) for i in range(0, len(x) - 640, 320)]
    return float(np.median([f for f in f0 if f]))


@pytest.mark.parametrize("speed", SPEEDS)
def test_a_tone_keeps_its_pitch_and_lasts_one_speedth(speed):
    audio = tone()
    out = played(audio, speed)
    assert peak_hz(out[:, 0]) == pytest.approx(200.0, rel=0.03)
    old = stretch.skip(audio, 0.0, speed, len(out))
    assert peak_hz(old[:, 0]) == pytest.approx(200.0 * speed, rel=0.03)  # what it was: higher by the speed
    assert loud_span(out[:, 0]) == pytest.approx(3.0 / speed, rel=0.03)
    assert len(out) == pytest.approx(len(audio) / speed, abs=512)  # one block of slack at the end
    steps = np.abs(np.diff(out[:, 0].astype(np.int32)))  # no click where chunks meet
    assert steps.max() <= 1.2 * 0.3 * 32767 * 2 * np.pi * 200 / RATE


@pytest.mark.parametrize("speed", SPEEDS)
@pytest.mark.parametrize("name", ["slt", "rms"])  # a female and a low male voice
def test_speech_keeps_its_pitch_and_lasts_one_speedth(speed, name, flite_cache):
    words = ("I understand how frustrating that must be. Let me check that for you right away, "
             "and I will call you back before five pm today.")
    voice = np.round(render_text(words, name, flite_cache) * 20000).astype(np.int16)
    audio = np.stack([voice, voice], axis=1)
    base = median_f0(voice)
    out = played(audio, speed)[:, 0]
    assert median_f0(out) == pytest.approx(base, rel=0.03)
    old = stretch.skip(audio, 0.0, speed, len(out))[:, 0]
    assert median_f0(old) == pytest.approx(base * speed, rel=0.05)
    assert loud_span(out) == pytest.approx(loud_span(voice) / speed, rel=0.03)


class FakeStream:
    def __init__(self, callback, **_):
        self.callback = callback

    def start(self):
        pass

    def stop(self):
        pass

    def close(self):
        pass


class Speakers:
    def query_devices(self):
        return [{"name": "Speakers", "max_input_channels": 0, "max_output_channels": 2}]

    def OutputStream(self, **kwargs):  # noqa: N802 (sounddevice's name)
        self.stream = FakeStream(**kwargs)
        return self.stream


def test_playback_position_is_exact_and_1x_is_the_recording_itself(qtbot):
    from coach_app.ui.call_view import Playback

    audio = tone(seconds=6.0)
    sd = Speakers()
    playback = Playback(sd)
    playback.load(audio, RATE, 0.0)
    playback.play()
    out, heard = np.zeros((480, 2), np.int16), []
    for _ in range(40):
        sd.stream.callback(out, 480, None, None)
        heard.append(out.copy())
    assert np.array_equal(np.concatenate(heard), audio[:40 * 480])  # 1x: not one sample changed
    assert playback._stretcher._thread is None  # and nothing was stretched
    assert playback.position == 40 * 480 / RATE

    playback.set_speed(1.5)  # the worker starts on the chunk at the play position
    frame = 40 * 480
    qtbot.waitUntil(lambda: playback._stretcher.read(np.zeros((1, 2), np.int16), frame, 1.5), timeout=5000)
    out, expected = np.zeros((1024, 2), np.int16), np.zeros((1024, 2), np.int16)
    reference = stretch.ChunkStretcher(audio, RATE)
    for size in (512, 97, 1024, 333) * 20:  # blocks of any size: PortAudio's may vary
        qtbot.waitUntil(lambda n=size: playback._stretcher.read(np.zeros((n, 2), np.int16), playback._frame, 1.5),
                        timeout=5000)
        sd.stream.callback(out[:size], size, None, None)
        while not reference.read(expected[:size], frame, 1.5):
            reference.fill(1.5, reference.chunk_at(round(frame / 1.5), 1.5))
        assert np.array_equal(out[:size], expected[:size])  # the stretched audio, not skipped samples
        frame += size * 1.5
        assert playback.position == pytest.approx(frame / RATE, abs=1e-9)  # N frames at s: N*s of the call
    assert not np.array_equal(out[:333], stretch.skip(audio, frame - 333 * 1.5, 1.5, 333))

    playback.seek(1.0)  # a seek while fast: position exact at once, even before the chunk is ready
    sd.stream.callback(out[:480], 480, None, None)
    assert playback.position == pytest.approx(1.0 + 480 * 1.5 / RATE, abs=1e-9)
    playback.pause()
    playback.load(None, RATE, 0.0)


def test_a_chunk_made_after_its_successor_is_still_joined_smoothly():
    audio = tone(seconds=7.0)
    stretcher = stretch.ChunkStretcher(audio, RATE)
    stretcher.fill(1.5, 2)  # a seek into chunk 2 first
    stretcher.fill(1.5, 1)  # then back: chunk 1 is made after chunk 2
    out = np.zeros((2000, 2), np.int16)
    at = stretcher.start(2, 1.5) - 1000
    assert stretcher.read(out, at * 1.5, 1.5)
    steps = np.abs(np.diff(out[:, 0].astype(np.int32)))
    assert steps.max() <= 1.2 * 0.3 * 32767 * 2 * np.pi * 200 / RATE


def test_a_failing_stretcher_falls_back_to_skipping_samples(monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError("no memory")

    monkeypatch.setattr(stretch, "time_stretch", broken)
    stretcher = stretch.ChunkStretcher(tone(), RATE)
    stretcher.want(0.0, 1.5)
    stretcher._thread.join(timeout=5)
    assert "no memory" in stretcher.problem and not stretcher.read(np.zeros((10, 2), np.int16), 0.0, 1.5)
