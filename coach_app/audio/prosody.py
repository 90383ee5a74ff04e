"""Loudness and pitch of a channel's speech, summarised every `window_s` of speech.

The emotion rule compares these with the speaker's own baseline, so absolute accuracy matters less
than consistency. Pitch is a normalised-autocorrelation estimate on 40 ms windows, enough to see a
voice rise.
"""

from __future__ import annotations

import numpy as np

from coach_app.audio import SAMPLE_RATE
from coach_app.events import Channel, Prosody

F0_MIN, F0_MAX = 70.0, 400.0
VOICING = 0.45  # NCCF peak above this = voiced


def estimate_pitch(window: np.ndarray, rate: int = SAMPLE_RATE) -> float | None:
    """F0 in Hz of a float window (≥ 2 periods of F0_MIN), or None when unvoiced."""
    x = window.astype(np.float64)
    x -= x.mean()
    energy = float(np.dot(x, x))
    if energy <= 1e-9:
        return None
    n = len(x)
    spec = np.fft.rfft(x, 2 * n)
    ac = np.fft.irfft(spec * np.conj(spec))[:n] / energy
    lo, hi = int(rate / F0_MAX), min(int(rate / F0_MIN), n - 1)
    lag = lo + int(np.argmax(ac[lo:hi]))
    if ac[lag] < VOICING:
        return None
    return rate / lag


class ProsodyTracker:
    """Collects voiced frames while the channel speaks; emits a Prosody every `window_s` of speech."""

    def __init__(self, channel: Channel, window_s: float, frame_s: float):
        self.channel = channel
        self._frames_per_window = max(1, round(window_s / frame_s))
        self._levels: list[float] = []
        self._pitches: list[float] = []
        self._prev: np.ndarray | None = None

    def process(self, frame: np.ndarray, level_db: float, speech: bool, t_end: float) -> list[Prosody]:
        if not speech:
            self._prev = None
            return []
        self._levels.append(level_db)
        if self._prev is not None and len(self._levels) % 2 == 0:  # every other frame is plenty
            f0 = estimate_pitch(np.concatenate([self._prev, frame]))
            if f0 is not None:
                self._pitches.append(f0)
        self._prev = frame
        if len(self._levels) < self._frames_per_window:
            return []
        return [self._flush(t_end)]

    def _flush(self, t: float) -> Prosody:
        loud = 10.0 * np.log10(np.mean(np.power(10.0, np.asarray(self._levels) / 10.0)))
        pitch = float(np.median(self._pitches)) if self._pitches else None
        self._levels.clear()
        self._pitches.clear()
        return Prosody(self.channel, round(t, 3), round(float(loud), 1), None if pitch is None else round(pitch, 1))
