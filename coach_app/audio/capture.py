"""Audio devices through PortAudio (sounddevice). The only module that imports sounddevice.

Importing sounddevice fails when the PortAudio library is missing; that is reported, never raised,
so the app still opens (demo and review work with no headset).

`Capture` follows python-sounddevice's rec_gui.py: the PortAudio callback only copies the block into
a queue and counts a drop when the queue is full. Everything else (picking channels, resampling to
16 kHz, levels, noticing a lost device, reopening it) happens in the thread that calls `read()` and
`check()`, and never raises into it.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any, Literal

import numpy as np
import soxr

from coach_app.audio import SAMPLE_RATE
from coach_app.audio.vad import frame_db

Role = Literal["agent", "customer"]
ROLES: tuple[Role, Role] = ("agent", "customer")  # the engine's CHANNELS, in its order
Chunk = tuple[Role, np.ndarray]  # one role's int16 mono samples at 16 kHz
SILENCE_DB = frame_db(np.zeros(1, np.int16))
_WHO: dict[Role, str] = {"agent": "your microphone", "customer": "the customer side"}


@dataclass(frozen=True)
class InputDevice:
    index: int
    name: str
    channels: int
    default_rate: float


@dataclass(frozen=True)
class DeviceStatus:
    devices: tuple[InputDevice, ...]
    problem: str = ""  # plain words for the agent when nothing can be captured

    @property
    def ok(self) -> bool:
        return bool(self.devices) and not self.problem


def input_devices(sd_module: Any = None) -> DeviceStatus:
    """Input devices PortAudio can see. `sd_module` lets tests inject a fake sounddevice."""
    sd, problem = _load(sd_module)
    if sd is None:
        return DeviceStatus((), problem)
    try:
        found = sd.query_devices()
    except OSError as exc:
        return DeviceStatus((), _no_portaudio(exc))
    except Exception as exc:  # PortAudioError and friends: report, never crash the app
        return DeviceStatus((), f"Could not list audio devices: {exc}")
    devices = tuple(
        InputDevice(i, d["name"], int(d["max_input_channels"]), float(d["default_samplerate"]))
        for i, d in enumerate(found) if int(d["max_input_channels"]) > 0
    )
    if not devices:
        return DeviceStatus((), "No microphone or headset found. Plug in a headset, or try the demo call "
                                "and the review of saved calls.")
    return DeviceStatus(devices)


def _no_portaudio(exc: BaseException) -> str:
    return (f"The audio system (PortAudio) is not available: {exc}. "
            "Install it with: sudo apt-get install libportaudio2")


def _load(sd_module: Any) -> tuple[Any, str]:
    if sd_module is not None:
        return sd_module, ""
    try:
        return _import_sounddevice(), ""
    except OSError as exc:  # what sounddevice raises when libportaudio cannot be loaded
        return None, _no_portaudio(exc)
    except ImportError as exc:
        return None, f"The sounddevice package is missing ({exc}); reinstall coach_app."


NO_OUTPUT = "No speaker or headset found to play sound on."


def output_device(sd_module: Any = None) -> tuple[Any, str]:
    """(sounddevice, '') when something can play sound, else (None, plain words). Review playback,
    practice lines and the demo share it, so sounddevice stays in this module."""
    sd, problem = _load(sd_module)
    if sd is None:
        return None, problem
    try:
        devices = sd.query_devices()
    except Exception as exc:  # PortAudioError and friends: report, never crash
        return None, f"Could not list audio devices: {exc}"
    if not any(int(d.get("max_output_channels", 0)) > 0 for d in devices):
        return None, NO_OUTPUT
    return sd, ""


def _import_sounddevice() -> Any:
    import sounddevice

    return sounddevice


class CaptureState(Enum):
    IDLE = "idle"  # not opened yet
    RUNNING = "running"
    NO_DEVICE = "no device"  # nothing to open yet; retried every reopen_every_s
    DEVICE_LOST = "device lost"  # was running, the device went away; retried every reopen_every_s
    NO_AUDIO_SYSTEM = "no audio system"  # PortAudio missing: retrying cannot help
    CLOSED = "closed"


@dataclass(frozen=True)
class CaptureConfig:
    """Which devices and channels carry whom. Devices by name (stable across replugging) or index."""

    agent_device: int | str | None = None  # None: the system's default input
    customer_device: int | str | None = None  # None: the customer is a channel of agent_device
    agent_channel: int = 0  # channel index on agent_device
    customer_channel: int | None = None  # default: 1 on a shared stereo device, 0 on its own device
    block_ms: int = 20
    queue_blocks: int = 500  # ~10 s of one device at 20 ms: room for a slow model load or a GC pause
    stall_s: float = 2.0  # a stream that delivers nothing this long is lost (CoreAudio just stops calling)
    reopen_every_s: float = 2.0
    max_gap_fill_s: float = 30.0  # silence inserted for an outage, so later audio keeps its place in the call
    refresh_devices: bool = True  # re-initialise PortAudio before reopening: its device list is fixed at init
    mic_only: bool = False  # practice: only the trainee's microphone (the customer is simulated)

    def layout(self) -> list[tuple[int | str | None, tuple[Role, ...], tuple[int, ...]]]:
        """(device, roles, channel indexes) per stream to open."""
        if self.mic_only:
            return [(self.agent_device, ("agent",), (self.agent_channel,))]
        if self.customer_device is None:
            customer = 1 if self.customer_channel is None else self.customer_channel
            return [(self.agent_device, ("agent", "customer"), (self.agent_channel, customer))]
        customer = 0 if self.customer_channel is None else self.customer_channel
        return [(self.agent_device, ("agent",), (self.agent_channel,)),
                (self.customer_device, ("customer",), (customer,))]


class _OpenError(Exception):
    """A stream that could not be opened; the message is for the agent."""


@dataclass(eq=False)
class _Stream:
    sid: int
    name: str
    roles: tuple[Role, ...]
    cols: tuple[int, ...]
    channels: int
    rate: float
    stream: Any = None
    resampler: Any = None
    # written only by the PortAudio callback thread
    frames_in: int = 0
    dropped: int = 0  # blocks lost because the queue was full
    overflows: int = 0  # blocks PortAudio flagged as input overflow
    finished: bool = False
    # worker thread only
    expected: int = 0  # next frame position; a jump means dropped blocks to fill with silence
    seen: int = 0
    progress_at: float = 0.0


class Capture:
    """Agent and customer audio from one stereo device or two devices, as 16 kHz int16 chunks."""

    def __init__(self, config: CaptureConfig | None = None, sd_module: Any = None,
                 clock: Callable[[], float] = time.monotonic):
        self.config = config or CaptureConfig()
        self.queue: queue.Queue[tuple[int, int, bytes]] = queue.Queue(maxsize=self.config.queue_blocks)
        self.state = CaptureState.IDLE
        self.message = "Not started."
        self.gap_seconds = 0.0
        self.rates: dict[Role, float] = {}
        self._sd_module = sd_module
        self._sd: Any = None
        self._clock = clock
        self._levels: queue.Queue[tuple[float, float]] = queue.Queue(maxsize=1)  # slow GUIs just miss readings
        self._meter = (SILENCE_DB, SILENCE_DB)  # worker's last reading
        self._shown = (SILENCE_DB, SILENCE_DB)  # GUI's last reading
        self._streams: list[_Stream] = []
        self._by_id: dict[int, _Stream] = {}
        self._next_sid = 0
        self._pending: list[Chunk] = []
        self._lost_at: float | None = None
        self._lost_message = ""
        self._next_try = 0.0
        self._closed_drops = 0
        self._closed_overflows = 0

    # -- opening -----------------------------------------------------------------------------------
    def open(self) -> bool:
        """Open and start the streams. False (with `message` set) when that is not possible now."""
        if self.state is CaptureState.RUNNING:
            return True
        if self._sd is None:
            self._sd, problem = _load(self._sd_module)
            if self._sd is None:
                self._set(CaptureState.NO_AUDIO_SYSTEM, problem)
                return False
        status = input_devices(self._sd)
        if not status.ok:
            return self._failed(status.problem)
        try:
            for device, roles, cols in self.config.layout():
                self._streams.append(self._start(device, roles, cols))
        except _OpenError as exc:
            self._pending += self._shutdown()
            return self._failed(str(exc))
        except Exception as exc:  # a fake or a driver misbehaving in a way we did not foresee
            self._pending += self._shutdown()
            return self._failed(f"Could not start audio capture: {exc}")
        self._by_id = {st.sid: st for st in self._streams}
        self.rates = {role: st.rate for st in self._streams for role in st.roles}
        self._set(CaptureState.RUNNING, self._describe())
        return True

    def try_reopen(self) -> bool:
        """One attempt to get a lost or missing device back; the worker calls it via check()."""
        now = self._clock()
        self._next_try = now + self.config.reopen_every_s
        if self.state is CaptureState.RUNNING:
            return True
        if self.state not in (CaptureState.NO_DEVICE, CaptureState.DEVICE_LOST):
            return False
        if self.config.refresh_devices and self._sd is not None and not self._streams:
            try:  # all our streams are closed, so re-initialising cannot cut anything off
                self._sd._terminate()
                self._sd._initialize()
            except Exception:
                pass
        if not self.open():
            if self._lost_at is not None:  # keep saying what was lost; add why it is not back yet
                self._set(CaptureState.DEVICE_LOST, f"{self._lost_message} Still missing: {self.message}")
            return False
        if self._lost_at is not None:
            gap = min(max(0.0, now - self._lost_at), self.config.max_gap_fill_s)
            n = round(gap * SAMPLE_RATE)
            self.gap_seconds += n / SAMPLE_RATE
            silence = np.zeros(n, np.int16)
            self._pending += [("agent", silence), ("customer", silence)]
            self._lost_at = None
        return True

    def _failed(self, message: str) -> bool:
        lost = self._lost_at is not None
        self._set(CaptureState.DEVICE_LOST if lost else CaptureState.NO_DEVICE, message)
        self._next_try = self._clock() + self.config.reopen_every_s
        return False

    def _start(self, device: int | str | None, roles: tuple[Role, ...], cols: tuple[int, ...]) -> _Stream:
        sd = self._sd
        who = " and ".join(_WHO[r] for r in roles)
        try:
            info = sd.query_devices(device, "input")
        except Exception as exc:
            wanted = "the default input" if device is None else f"'{device}'"
            raise _OpenError(f"The device for {who} ({wanted}) is not connected ({exc}). "
                             "Plug it in or choose another in settings.") from exc
        name = str(info["name"])
        channels = max(cols) + 1
        if int(info["max_input_channels"]) < channels:
            raise _OpenError(f"'{name}' has {int(info['max_input_channels'])} input channel(s); channel "
                             f"{channels} was chosen for {who}. Pick another channel or a second device.")
        rates = [float(SAMPLE_RATE)] + [r for r in [float(info["default_samplerate"])] if r != SAMPLE_RATE]
        last: Exception | None = None
        for rate in rates:  # 16 kHz first; a device that refuses it opens at its own rate, resampled
            st = _Stream(self._next_sid, name, roles, cols, channels, rate)
            self._next_sid += 1
            try:
                sd.check_input_settings(device=device, channels=channels, dtype="int16", samplerate=rate)
                st.stream = sd.InputStream(
                    device=device, channels=channels, samplerate=rate, dtype="int16",
                    blocksize=max(1, int(rate * self.config.block_ms / 1000)),
                    callback=self._callback(st), finished_callback=self._finished(st))
                st.stream.start()
            except Exception as exc:
                last = exc
                _close(st)
                continue
            if rate != SAMPLE_RATE:
                st.resampler = soxr.ResampleStream(rate, SAMPLE_RATE, len(roles), dtype="float32", quality="HQ")
            st.progress_at = self._clock()
            return st
        raise _OpenError(f"Could not open '{name}' for {who}: {last}")

    def _callback(self, st: _Stream) -> Callable[..., None]:
        put, sid = self.queue.put_nowait, st.sid

        def callback(indata: Any, frames: int, time_info: Any, status: Any) -> None:
            # PortAudio's thread: copy and queue, nothing else (no numpy work, no waiting locks).
            pos = st.frames_in
            st.frames_in = pos + frames
            if status:
                st.overflows += 1
            try:
                put((sid, pos, bytes(indata)))
            except queue.Full:
                st.dropped += 1

        return callback

    def _finished(self, st: _Stream) -> Callable[[], None]:
        def finished() -> None:
            st.finished = True  # the worker's check() turns this into DEVICE_LOST (or ignores it on close)

        return finished

    # -- reading (worker thread) -------------------------------------------------------------------
    def read(self, timeout: float = 0.0) -> list[Chunk]:
        """Everything captured since the last call, converted; waits up to `timeout` for the first block."""
        chunks, self._pending = self._pending, []
        try:
            item = self.queue.get(timeout=timeout) if timeout > 0 and not chunks else self.queue.get_nowait()
        except queue.Empty:
            item = None
        while item is not None:
            chunks += self._convert(*item)
            try:
                item = self.queue.get_nowait()
            except queue.Empty:
                item = None
        if chunks:
            self._meter_update(chunks)
        return chunks

    def _convert(self, sid: int, pos: int, data: bytes) -> list[Chunk]:
        st = self._by_id.get(sid)
        if st is None:
            return []
        out: list[Chunk] = []
        if pos > st.expected:  # blocks dropped on a full queue: silence keeps this side in time
            out += self._samples(st, np.zeros((pos - st.expected, st.channels), np.int16))
        block = np.frombuffer(data, np.int16).reshape(-1, st.channels)
        st.expected = pos + len(block)
        return out + self._samples(st, block)

    def _samples(self, st: _Stream, block: np.ndarray, last: bool = False) -> list[Chunk]:
        picked = block[:, list(st.cols)]
        if st.resampler is not None:  # the same conversion as wavsource, so files and devices agree
            x = np.ascontiguousarray(picked, dtype=np.float32) / np.float32(32768.0)
            y = st.resampler.resample_chunk(x, last=last)
            picked = (np.clip(y, -1.0, 1.0) * 32767.0).astype(np.int16)
        if len(picked) == 0:
            return []
        return [(role, np.ascontiguousarray(picked[:, k])) for k, role in enumerate(st.roles)]

    def _meter_update(self, chunks: list[Chunk]) -> None:
        agent = [x for r, x in chunks if r == "agent" and len(x)]
        customer = [x for r, x in chunks if r == "customer" and len(x)]
        self._meter = (frame_db(np.concatenate(agent)) if agent else self._meter[0],
                       frame_db(np.concatenate(customer)) if customer else self._meter[1])
        self._put_levels(self._meter)

    def _put_levels(self, levels: tuple[float, float]) -> None:
        try:  # replace an unread reading: the meter should show the newest
            self._levels.get_nowait()
        except queue.Empty:
            pass
        try:
            self._levels.put_nowait(levels)
        except queue.Full:
            pass

    def levels(self) -> tuple[float, float]:
        """(agent dBFS, customer dBFS), latest reading; any thread, never waits."""
        try:
            self._shown = self._levels.get_nowait()
        except queue.Empty:
            pass
        return self._shown

    # -- health (worker thread) --------------------------------------------------------------------
    def check(self) -> None:
        """Notice a lost device, and retry a missing one every reopen_every_s. Never raises."""
        now = self._clock()
        if self.state is CaptureState.RUNNING:
            for st in self._streams:
                problem = self._health(st, now)
                if problem:
                    self._lose(st, problem)
                    return
        elif self.state in (CaptureState.NO_DEVICE, CaptureState.DEVICE_LOST) and now >= self._next_try:
            try:
                self.try_reopen()
            except Exception as exc:
                self._failed(f"Could not reopen the audio device: {exc}")

    def _health(self, st: _Stream, now: float) -> str:
        if st.finished:
            return "stopped"
        try:
            active = bool(st.stream.active)
        except Exception as exc:
            return f"reported an error ({exc})"
        if not active:
            return "stopped"
        if st.frames_in != st.seen:
            st.seen, st.progress_at = st.frames_in, now
        elif now - st.progress_at > self.config.stall_s:
            return f"sent nothing for {now - st.progress_at:.0f} s"
        return ""

    def _lose(self, st: _Stream, problem: str) -> None:
        lost_at = max(s.progress_at for s in self._streams)  # the last moment any audio arrived
        self._pending += self._shutdown()  # everything captured up to the loss is kept
        self._lost_at = lost_at
        who = " and ".join(_WHO[r] for r in st.roles)
        self._lost_message = (f"The audio device for {who} ('{st.name}') {problem} - unplugged? Everything up "
                              "to now is kept; listening resumes by itself when it is back.")
        self._set(CaptureState.DEVICE_LOST, self._lost_message)
        self._next_try = self._clock() + self.config.reopen_every_s
        self._meter = (SILENCE_DB, SILENCE_DB)
        self._put_levels(self._meter)

    def _shutdown(self) -> list[Chunk]:
        """Close every stream, then convert what they left in the queue and in the resamplers."""
        for st in self._streams:
            _close(st)
        out: list[Chunk] = []
        while True:
            try:
                out += self._convert(*self.queue.get_nowait())
            except queue.Empty:
                break
        for st in self._streams:
            if st.resampler is not None:
                out += self._samples(st, np.zeros((0, st.channels), np.int16), last=True)
            self._closed_drops += st.dropped
            self._closed_overflows += st.overflows
        self._streams, self._by_id = [], {}
        return out

    def close(self) -> list[Chunk]:
        """Stop capturing; returns the audio not yet read (nothing captured is thrown away)."""
        out = self._pending + self._shutdown()
        self._pending = []
        if self.state is not CaptureState.NO_AUDIO_SYSTEM:
            self._set(CaptureState.CLOSED, "Stopped.")
        return out

    # -- figures -----------------------------------------------------------------------------------
    @property
    def dropped_blocks(self) -> int:
        """Blocks lost to a full queue or flagged by PortAudio as input overflow."""
        return (self._closed_drops + self._closed_overflows
                + sum(st.dropped + st.overflows for st in self._streams))

    def backlog(self) -> int:
        return self.queue.qsize()

    def _describe(self) -> str:
        parts = []
        for st in self._streams:
            rate = "" if st.rate == SAMPLE_RATE else f" at {st.rate / 1000:g} kHz"
            for role, col in zip(st.roles, st.cols):
                parts.append(f"{_WHO[role]}: '{st.name}' channel {col + 1}{rate}")
        return "Listening - " + "; ".join(parts) + "."

    def _set(self, state: CaptureState, message: str) -> None:
        self.state, self.message = state, message


def _close(st: _Stream) -> None:
    if st.stream is None:
        return
    try:
        st.stream.close()
    except Exception:
        pass  # a stream whose device vanished may fail to close; it is gone either way
