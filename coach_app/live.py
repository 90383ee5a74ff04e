"""A live call: Capture -> worker thread -> CallEngine -> events queue (+ recorder). Qt-free.

The UI starts a LiveSession, drains `poll_events()` and `levels()` from a 30-50 ms QTimer (Friture's
pattern) and shows `stats()`; it never waits on audio or recognition. Time is the number of samples
fed, so a call replayed through a (fake or file) device produces the events `analyze` produces.
"""

from __future__ import annotations

import math
import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from coach_app.asr.base import RecogniserFactory
from coach_app.audio import SAMPLE_RATE
from coach_app.audio.capture import ROLES, Capture, CaptureConfig, CaptureState, Chunk, Role
from coach_app.audio.wavsource import AudioFileError, open_call
from coach_app.engine import CallEngine
from coach_app.events import CHANNELS, Event
from coach_app.prompts import default_rules
from coach_app.prompts.base import Rule
from coach_app.settings import Settings

Recorder = Callable[[np.ndarray], None]  # receives every (n, 2) int16 16 kHz frame block, in order


class AudioSource(Protocol):
    """What a LiveSession reads: a Capture (headset, FileSource), or a practice run's SimulatedCustomer."""

    @property
    def state(self) -> CaptureState: ...
    @property
    def message(self) -> str: ...
    @property
    def gap_seconds(self) -> float: ...
    @property
    def dropped_blocks(self) -> int: ...
    def open(self) -> bool: ...
    def check(self) -> None: ...
    def read(self, timeout: float = 0.0) -> list[Chunk]: ...
    def close(self) -> list[Chunk]: ...
    def levels(self) -> tuple[float, float]: ...
    def backlog(self) -> int: ...


@dataclass(frozen=True)
class LiveStats:
    state: CaptureState
    message: str  # plain words for the window: what is captured, or what went wrong
    dropped_blocks: int
    seconds: float  # audio time fed to the engine
    gap_seconds: float  # silence inserted for device outages
    padded_seconds: float  # silence inserted for a second device that fell behind
    engine: str
    error: str = ""  # engine or recorder failure; capture keeps going


class _Aligner:
    """Pairs agent and customer samples by count into (n, 2) frames.

    Two devices run on their own clocks and deliver blocks at their own moments, so one side is often a
    block or two ahead: we wait for the other. A side more than `max_skew` behind has not merely been
    late - driver buffers are far shorter than that, so its samples are lost (overflow, stall) - and
    it is padded with silence up to that bound. Waiting for it instead would stall the coach, and
    letting the sides slide apart would put every later reply at the wrong time relative to the other.
    """

    def __init__(self, max_skew: int):
        self.max_skew = max_skew
        self.bufs: dict[Role, list[np.ndarray]] = {"agent": [], "customer": []}
        self.sizes: dict[Role, int] = {"agent": 0, "customer": 0}
        self.padded = 0

    def push(self, role: Role, samples: np.ndarray) -> None:
        if len(samples):
            self.bufs[role].append(samples)
            self.sizes[role] += len(samples)

    def pop(self) -> np.ndarray:
        lead = max(self.sizes.values())
        for role in ROLES:
            short = lead - self.max_skew - self.sizes[role]
            if short > 0:
                self._pad(role, short)
        return self._take(min(self.sizes.values()))

    def flush(self) -> np.ndarray:
        """Everything buffered; the shorter side padded (a device is gone or the call ended)."""
        lead = max(self.sizes.values())
        for role in ROLES:
            if self.sizes[role] < lead:
                self._pad(role, lead - self.sizes[role])
        return self._take(lead)

    def _pad(self, role: Role, n: int) -> None:
        self.push(role, np.zeros(n, np.int16))
        self.padded += n

    def _take(self, n: int) -> np.ndarray:
        if n == 0:
            return np.zeros((0, 2), np.int16)
        cols = []
        for role in ROLES:
            data = np.concatenate(self.bufs[role]) if len(self.bufs[role]) > 1 else self.bufs[role][0]
            cols.append(data[:n])
            self.bufs[role] = [data[n:]] if len(data) > n else []
            self.sizes[role] -= n
        return np.column_stack(cols).astype(np.int16, copy=False)


class LiveSession:
    """Owns a Capture and the worker thread that runs the engine and the recorder."""

    def __init__(
        self,
        capture: AudioSource,
        settings: Settings,
        recognisers: RecogniserFactory | None,
        rules: Sequence[Rule] | None = None,
        recorder: Recorder | None = None,
        max_skew_s: float = 0.25,
    ):
        self.capture = capture
        self.settings = settings
        self.recognisers = recognisers
        self.rules = rules
        self.recorder = recorder
        self.events: list[Event] = []  # every event of the call (complete once stop() returns)
        self.error = ""
        self._out: queue.Queue[Event] = queue.Queue()
        self._aligner = _Aligner(round(max_skew_s * SAMPLE_RATE))
        self._engine: CallEngine | None = None
        self._frames = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._started = self._ended = False

    # -- control (caller's thread) -----------------------------------------------------------------
    def start(self, threaded: bool = True) -> None:
        """Open the devices and load the engine in the worker (the UI never waits for either).
        threaded=False: the caller drives the worker's steps with pump() (tests, scripted runs)."""
        if self._started:
            return
        self._started = True
        if not threaded:
            self._begin()
            return
        self._thread = threading.Thread(target=self._run, name="coach-live", daemon=True)
        self._thread.start()

    def pump(self, timeout: float = 0.0) -> None:
        """One worker step, in the caller's thread (only when started with threaded=False)."""
        if self._thread is not None:
            raise RuntimeError("pump() is for sessions started with threaded=False")
        if self._started and not self._ended and not self._stop.is_set():
            self._guarded(self._step, timeout)

    def stop(self) -> list[Event]:
        """Stop capturing, let the engine finish the call; returns every event of the call."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        elif self._started and not self._ended:
            self._end()
        return list(self.events)

    @property
    def running(self) -> bool:
        """The worker is alive (False before start, after stop, or after a fatal error)."""
        if self._thread is not None:
            return self._thread.is_alive()
        return self._started and not self._ended

    # -- for the UI timer (any thread, never waits) ------------------------------------------------
    def poll_events(self) -> list[Event]:
        out: list[Event] = []
        while True:
            try:
                out.append(self._out.get_nowait())
            except queue.Empty:
                return out

    def levels(self) -> tuple[float, float]:
        """(agent dBFS, customer dBFS) for the meters."""
        return self.capture.levels()

    def stats(self) -> LiveStats:
        cap = self.capture
        engine = self._engine.engine_name if self._engine else "loading"
        return LiveStats(cap.state, cap.message, cap.dropped_blocks, self._frames / SAMPLE_RATE,
                         cap.gap_seconds, self._aligner.padded / SAMPLE_RATE, engine, self.error)

    # -- the worker --------------------------------------------------------------------------------
    def _run(self) -> None:
        self._guarded(self._begin)
        while not self._stop.is_set() and self._engine is not None:
            self._guarded(self._step, 0.05)
        self._end()

    def _begin(self) -> None:
        # Capture first: blocks queue up while a recogniser model loads, so no speech is lost.
        self.capture.open()
        rules = self.rules if self.rules is not None else default_rules(self.settings)
        self._engine = CallEngine(self.settings, self.recognisers, rules, CHANNELS)

    def _step(self, timeout: float) -> None:
        self.capture.check()  # a lost device is closed here; its last audio comes out of read()
        chunks = self.capture.read(timeout)
        for role, samples in chunks:
            self._aligner.push(role, samples)
        # With a device gone nothing is coming for the other side: pad it instead of waiting.
        running = self.capture.state is CaptureState.RUNNING
        self._feed(self._aligner.pop() if running else self._aligner.flush())

    def _end(self) -> None:
        if self._ended:
            return
        self._ended = True
        try:
            rest: list[Chunk] = self.capture.close()
            for role, samples in rest:
                self._aligner.push(role, samples)
            self._feed(self._aligner.flush())
        except Exception as exc:
            self.error = self.error or f"Capture failed while stopping: {exc}"
        if self._engine is not None:
            self._guarded(lambda: self._publish(self._engine.finish() if self._engine else []))

    def _feed(self, frames: np.ndarray) -> None:
        if not len(frames) or self._engine is None:
            return
        if self.recorder is not None:
            try:
                self.recorder(frames)
            except Exception as exc:  # a full disk must not end the coaching; say so and stop recording
                self.error = f"Recording stopped: {exc}"
                self.recorder = None
        self._frames += len(frames)
        self._publish(self._engine.feed(frames))

    def _publish(self, events: list[Event]) -> None:
        for ev in events:
            self.events.append(ev)
            self._out.put(ev)

    def _guarded(self, fn: Callable[..., None], *args: Any) -> None:
        try:
            fn(*args)
        except Exception as exc:  # the worker must survive; the window shows the error
            self.error = f"Live analysis failed: {type(exc).__name__}: {exc}"
            self._stop.set()


class FileSource:
    """A recorded stereo call played as if it were a stereo headset: same Capture, worker and engine.

    realtime=True paces blocks at audio speed (`coach-app demo`, bench/live_load.py); False feeds as fast
    as the worker takes them, waiting for room in the queue instead of dropping blocks.
    """

    def __init__(self, path: str | Path, realtime: bool = True, block_ms: int = 20,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic):
        self.call = open_call(path)
        if self.call.mono:
            raise AudioFileError(f"{self.call.path}: live playback needs a stereo call (left agent, right customer)")
        self.realtime = realtime
        self.block = SAMPLE_RATE * block_ms // 1000
        self.block_ms = block_ms
        self.done = threading.Event()  # set when the whole file has been delivered
        self._sleep, self._clock = sleep, clock
        self._capture: Capture | None = None

    def capture(self, queue_blocks: int = 500) -> Capture:
        config = CaptureConfig(agent_device=self.call.path.name, agent_channel=0, customer_channel=1,
                               block_ms=self.block_ms, queue_blocks=queue_blocks,
                               stall_s=math.inf, refresh_devices=False)  # a file never stalls or replugs
        self._capture = Capture(config, sd_module=_FileDevice(self))
        return self._capture

    def session(self, settings: Settings, recognisers: RecogniserFactory | None, **kwargs: Any) -> LiveSession:
        return LiveSession(self.capture(), settings, recognisers, **kwargs)

    def play(self, settings: Settings, recognisers: RecogniserFactory | None, **kwargs: Any) -> list[Event]:
        """The whole file through a live session; returns its events."""
        session = self.session(settings, recognisers, **kwargs)
        session.start()
        while not self.done.wait(0.05) and session.running:
            pass
        return session.stop()

    def _run(self, callback: Callable[..., None], stopped: threading.Event) -> None:
        start, pos = self._clock(), 0
        for chunk in self._chunks():
            if stopped.is_set():
                return
            if self.realtime:
                wait = start + pos / SAMPLE_RATE - self._clock()
                if wait > 0:
                    self._sleep(wait)
            else:
                cap = self._capture
                while cap is not None and cap.backlog() >= cap.queue.maxsize - 1 and not stopped.is_set():
                    self._sleep(0.001)
            callback(chunk, len(chunk), None, 0)
            pos += len(chunk)
        self.done.set()

    def _chunks(self) -> Iterator[np.ndarray]:
        """The file as device-sized (block, 2) int16 blocks, converted exactly as `analyze` converts it."""
        buf = np.zeros((0, 2), np.int16)
        for block in self.call.blocks():
            buf = np.concatenate([buf, block])
            while len(buf) >= self.block:
                yield np.ascontiguousarray(buf[:self.block])
                buf = buf[self.block:]
        if len(buf):
            yield np.ascontiguousarray(buf)


class _FileDevice:
    """Just enough of the sounddevice module for Capture to open a FileSource."""

    PortAudioError = AudioFileError

    def __init__(self, source: FileSource):
        self.source = source
        self.info = {"name": source.call.path.name, "max_input_channels": 2, "default_samplerate": float(SAMPLE_RATE)}

    def query_devices(self, device: Any = None, kind: str | None = None) -> Any:
        return dict(self.info) if kind else [dict(self.info)]

    def check_input_settings(self, device: Any = None, channels: int = 2, dtype: str = "int16",
                             samplerate: float = SAMPLE_RATE) -> None:
        if samplerate != SAMPLE_RATE or channels > 2:
            raise AudioFileError(f"{self.info['name']} plays at {SAMPLE_RATE} Hz, 2 channels")

    def InputStream(self, callback: Callable[..., None], **kwargs: Any) -> _FileStream:  # noqa: N802
        return _FileStream(self.source, callback)


class _FileStream:
    def __init__(self, source: FileSource, callback: Callable[..., None]):
        self.source, self.callback = source, callback
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def active(self) -> bool:
        return not self._stopped.is_set()

    def start(self) -> None:
        self._thread = threading.Thread(target=self.source._run, args=(self.callback, self._stopped),
                                        name="coach-file-source", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stopped.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()
