"""Faster playback at the voices' own pitch.

Skipping samples plays 1.5x faster but also 50% higher. Rubber Band (in pedalboard) changes the
tempo and keeps the pitch, but only over a whole buffer, so the call is stretched in chunks of a few
seconds, just ahead of where it plays, on a worker thread; the audio callback only copies. Output
frame j at speed s is input frame j*s, so the position (seek, transcript, nudge markers) stays exact.
"""

from __future__ import annotations

import atexit
import importlib.util
import threading
import weakref
from collections.abc import Callable

import numpy as np

# Optional at run time: without it playback skips samples, as it used to. Imported on first use, on
# the worker thread: importing it costs ~0.1 s, which opening the app should not pay.
AVAILABLE = importlib.util.find_spec("pedalboard") is not None
time_stretch: Callable[..., np.ndarray] | None = None

MISSING = ("Faster playback raises the voices' pitch on this computer: the pedalboard library, "
           "which keeps it natural, is not installed.")
CHUNK_S = 2.0  # input seconds per stretched chunk: 30-60 ms of work for 1.3-1.6 s of playing
PAD_S = 0.25  # context either side, so a chunk's edges are not the stretcher's own start and end
FADE = 256  # output frames crossfaded where chunks meet: separate runs differ in phase there
AHEAD = 2  # chunks kept ready past the one playing


_LIVE: weakref.WeakSet[ChunkStretcher] = weakref.WeakSet()


@atexit.register
def _stop_workers() -> None:
    """A daemon thread stopped inside Rubber Band at interpreter exit aborts the process: let it finish."""
    for stretcher in list(_LIVE):
        stretcher.close(wait=1.0)


def problem() -> str:
    """Why pitch cannot be kept here, in plain words; empty when it can."""
    return "" if AVAILABLE else MISSING


def stretch(audio: np.ndarray, rate: int, speed: float) -> np.ndarray:
    """int16 (frames, channels) played `speed` times faster at the same pitch: len/speed frames."""
    x = np.ascontiguousarray(audio.T, dtype=np.float32) / 32768.0  # pedalboard wants (channels, frames)
    # Short window (R3's speech-friendly mode): with the default long one, a low male flite voice read
    # an octave or more high in 17% of 40 ms windows at 1.5x (3% with this), and it costs half as much.
    y = _time_stretch()(x, float(rate), float(speed), use_long_fft_window=False)
    return np.clip(np.round(y.T * 32768.0), -32768, 32767).astype(np.int16)


def _time_stretch() -> Callable[..., np.ndarray]:
    """pedalboard's, imported now; an ImportError here makes the worker fall back to skipping."""
    global time_stretch
    if time_stretch is None:
        from pedalboard import time_stretch as loaded

        time_stretch = loaded
    return time_stretch


def skip(audio: np.ndarray, frame: float, speed: float, frames: int) -> np.ndarray:
    """The old way, kept for 1x (exact samples) and as the fallback: every speed-th sample."""
    src = (frame + np.arange(frames) * speed).astype(np.int64)
    out = np.zeros((frames, audio.shape[1]), audio.dtype)
    inside = src < len(audio)
    out[inside] = audio[src[inside]]
    return out


class ChunkStretcher:
    """One call, stretched chunk by chunk around the play position.

    read() is for the audio callback: it copies ready frames and never computes. fill() computes
    the next missing chunk; the worker thread runs it, tests and the benchmark may call it directly.
    """

    def __init__(self, audio: np.ndarray, rate: int, chunk_s: float = CHUNK_S, ahead: int = AHEAD):
        self.audio, self.rate, self.ahead = audio, rate, ahead
        self.chunk, self.pad = int(chunk_s * rate), int(PAD_S * rate)
        self.last = max(0, (len(audio) - 1) // self.chunk)
        self.problem = ""  # set if Rubber Band itself fails; playback then skips samples
        self._chunks: dict[tuple[float, int], tuple[np.ndarray, np.ndarray, bool]] = {}  # body, tail, joined
        self._want: tuple[float, int] | None = None
        self._wake = threading.Event()
        self._making = threading.Lock()  # the worker and a direct fill() never make chunks at once
        self._thread: threading.Thread | None = None
        self._closed = False
        _LIVE.add(self)

    # --- the timeline: chunk k is input [k*chunk, (k+1)*chunk) and output [start(k), start(k+1)) --------
    def start(self, k: int, speed: float) -> int:
        return round(k * self.chunk / speed)

    def chunk_at(self, j: int, speed: float) -> int:
        k = int(j * speed // self.chunk)
        while k > 0 and self.start(k, speed) > j:
            k -= 1
        while self.start(k + 1, speed) <= j:
            k += 1
        return k

    # --- the audio callback's side ----------------------------------------------------------------------
    def read(self, out: np.ndarray, frame: float, speed: float) -> bool:
        """Fill `out` with the frames that play from input frame `frame` at `speed`; False (and a
        request to the worker) while a chunk they need is not ready."""
        j = round(frame / speed)
        k = self.chunk_at(j, speed)
        self._ask(speed, k)
        done, frames = 0, len(out)
        while done < frames and k <= self.last:
            entry = self._chunks.get((speed, k))
            if entry is None:
                return False
            body = entry[0]
            at = j + done - self.start(k, speed)
            n = min(frames - done, len(body) - at)
            out[done:done + n] = body[at:at + n]
            done, k = done + n, k + 1
        out[done:] = 0  # past the end of the call
        return True

    def want(self, frame: float, speed: float) -> None:
        """Ask for the chunks around `frame` at `speed`. Cheap: safe in the callback and the GUI."""
        self._ask(speed, self.chunk_at(round(frame / speed), speed))

    def _ask(self, speed: float, k: int) -> None:
        self._want = (speed, k)
        if self._closed or self.problem or all((speed, kk) in self._chunks for kk in self._ahead(k)):
            return
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="playback-stretch", daemon=True)
            self._thread.start()
        self._wake.set()

    def close(self, wait: float = 0.0) -> None:
        self._closed = True
        self._wake.set()
        if wait and self._thread is not None:
            self._thread.join(wait)

    # --- the worker's side ------------------------------------------------------------------------------
    def _run(self) -> None:
        while not self._closed:
            want = self._want
            try:
                busy = want is not None and self.fill(*want)
            except Exception as exc:  # a stretcher error must not take playback down: skip samples instead
                self.problem = f"Faster playback raises the pitch: time stretching failed ({exc})."
                return
            if not busy:
                self._wake.wait()
                self._wake.clear()

    def fill(self, speed: float, k: int) -> bool:
        """Make the first missing chunk of k .. k+ahead at `speed`, drop the ones out of reach.
        False when there was nothing to do."""
        keep = range(k - 1, min(k + self.ahead, self.last) + 1)  # the one just played may still be read
        with self._making:
            for key in [key for key in self._chunks if key[0] != speed or key[1] not in keep]:
                del self._chunks[key]
            for kk in self._ahead(k):
                if (speed, kk) not in self._chunks:
                    self._make(speed, kk)
                    return True
        return False

    def _ahead(self, k: int) -> range:
        return range(k, min(k + self.ahead, self.last) + 1)

    def _make(self, speed: float, k: int) -> None:
        a = max(0, k * self.chunk - self.pad)
        b = min(len(self.audio), (k + 1) * self.chunk + self.pad)
        y = stretch(self.audio[a:b], self.rate, speed)
        first, count = self.start(k, speed), self.start(k + 1, speed) - self.start(k, speed)
        at = max(0, first - round(a / speed))  # y[i] plays what output frame a/speed + i would
        take = y[at:at + count + FADE]
        if len(take) < count + FADE:  # the end of the call: silence after it
            take = np.concatenate([take, np.zeros((count + FADE - len(take), y.shape[1]), y.dtype)])
        body, tail = take[:count], take[count:]
        before = self._chunks.get((speed, k - 1))
        joined = before is not None
        if before is not None:
            body = _crossfade(before[1], body)
        self._chunks[(speed, k)] = (body, tail, joined)
        after = self._chunks.get((speed, k + 1))
        if after is not None and not after[2]:  # made first (a seek): join it now, before it plays
            self._chunks[(speed, k + 1)] = (_crossfade(tail, after[0]), after[1], True)


def _crossfade(tail: np.ndarray, body: np.ndarray) -> np.ndarray:
    n = min(len(tail), len(body))
    ramp = np.linspace(0.0, 1.0, n, endpoint=False)[:, None]
    body = body.copy()
    body[:n] = np.round(tail[:n] * (1.0 - ramp) + body[:n] * ramp).astype(body.dtype)
    return body
