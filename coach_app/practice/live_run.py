"""A practice run as a live call: the trainee's microphone is the agent channel and the simulated
customer's lines are the customer channel, sample for sample. `SimulatedCustomer` stands in for the
Capture of a LiveSession, so the engine, the overlay (pause countdown included) and the recorder are
exactly those of a real call.

The customer listens with its own turn detector: once the trainee has answered and then stayed
quiet for `turn_end_s`, it speaks its next line. Time is the number of microphone samples read, as
everywhere else, so a scripted trainee gives the same run every time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from coach_app.audio import SAMPLE_RATE
from coach_app.audio.capture import SILENCE_DB, CaptureState, Chunk
from coach_app.audio.vad import TurnDetector, frame_db
from coach_app.events import SpeechEnded, SpeechStarted
from coach_app.live import AudioSource
from coach_app.practice.session import Span
from coach_app.settings import VadSettings

TURN_END_S = 0.8  # the trainee's silence that ends an answer: under 1 s from stopping to the next line
LEAD_IN_S = 0.5
PEAK = 10 ** (-6.0 / 20)

Player = Callable[[np.ndarray], None]  # starts playing a line (mono float32, 16 kHz); must not block


Mic = AudioSource  # a Capture opened with mic_only=True, or a scripted trainee in tests and benchmarks


@dataclass(frozen=True)
class LineStart:
    step: int
    t: float  # audio time the line starts
    answer_end: float | None  # the trainee's last voiced moment before it (None for the first line)
    wall: float  # time.monotonic() when the player was asked to play it


class SimulatedCustomer:
    def __init__(self, mic: Mic, lines: Sequence[np.ndarray], vad: VadSettings, play: Player | None = None,
                 turn_end_s: float = TURN_END_S, lead_in_s: float = LEAD_IN_S):
        if not lines:
            raise ValueError("a practice run needs at least one customer line")
        self.mic = mic
        self.lines = [_pcm(line) for line in lines]
        self.play = play
        self.turn_end = round(turn_end_s * SAMPLE_RATE)
        self.spans: list[Span] = []
        self.starts: list[LineStart] = []
        self.done = threading.Event()  # the last answer is over: the run can be stopped
        self.step = -1  # the line being spoken or answered; -1 before the first
        self.speaking = False  # the customer's line is playing
        self._detector = TurnDetector("agent", vad)
        self._frame = self._detector.frame_len
        self._pending = np.zeros(0, np.int16)  # microphone samples short of a whole frame
        self._pos = 0  # samples emitted on both channels
        self._start_at: int | None = round(lead_in_s * SAMPLE_RATE)  # next line starts here; None while answering
        self._line_pos = 0
        self._line_start = 0
        self._answer_at = 0  # the current line ended here
        self._heard = False  # the trainee has spoken since the line ended
        self._last_voice: int | None = None  # end of the trainee's latest speech, in samples
        self._customer_db = SILENCE_DB
        self._skip = threading.Event()
        self.play_problem = ""

    # -- the Capture interface LiveSession uses ----------------------------------------------------
    @property
    def state(self) -> CaptureState:
        return self.mic.state

    @property
    def message(self) -> str:
        return self.mic.message

    @property
    def gap_seconds(self) -> float:
        return self.mic.gap_seconds

    @property
    def dropped_blocks(self) -> int:
        return self.mic.dropped_blocks

    def backlog(self) -> int:
        return self.mic.backlog()

    def open(self) -> bool:
        return self.mic.open()

    def check(self) -> None:
        self.mic.check()

    def levels(self) -> tuple[float, float]:
        return self.mic.levels()[0], self._customer_db

    def read(self, timeout: float = 0.0) -> list[Chunk]:
        samples = [x for role, x in self.mic.read(timeout) if role == "agent"]
        return self._advance(np.concatenate([self._pending, *samples]) if samples else self._pending)

    def close(self) -> list[Chunk]:
        rest = [x for role, x in self.mic.close() if role == "agent"]
        out = self._advance(np.concatenate([self._pending, *rest]) if rest else self._pending)
        if len(self._pending):  # the last part-frame: the customer is silent under it
            out += [("agent", self._pending), ("customer", np.zeros(len(self._pending), np.int16))]
            self._pending = np.zeros(0, np.int16)
        return out

    # -- practice ----------------------------------------------------------------------------------
    def skip(self) -> None:
        """The trainee wants the next line without answering (or while still talking)."""
        self._skip.set()

    @property
    def listening(self) -> bool:
        """The customer's line is over and the trainee's answer is awaited."""
        return self.step >= 0 and not self.speaking and not self.done.is_set()

    @property
    def silent_s(self) -> float:
        """How long the trainee has said nothing since the line ended (0 while they speak)."""
        if not self.listening or self._detector.speaking:
            return 0.0
        since = self._last_voice if self._last_voice is not None else self._answer_at
        return max(self._pos - since, 0) / SAMPLE_RATE

    @property
    def line_left_s(self) -> float:
        return (len(self.lines[self.step]) - self._line_pos) / SAMPLE_RATE if self.speaking else 0.0

    @property
    def seconds(self) -> float:
        return self._pos / SAMPLE_RATE

    def _advance(self, mic: np.ndarray) -> list[Chunk]:
        """Whole frames of microphone audio, each paired with the customer's samples for it."""
        n = len(mic) // self._frame * self._frame
        self._pending = mic[n:].copy()
        if n == 0:
            return []
        customer = np.zeros(n, np.int16)
        for k in range(0, n, self._frame):
            customer[k:k + self._frame] = self._customer_frame()
            frame = mic[k:k + self._frame]
            level = frame_db(customer[k:k + self._frame])
            for ev in self._detector.process(frame, other_db=level if level > SILENCE_DB else None):
                self._hear(ev)
            self._pos += self._frame
            self._after_frame()
        self._customer_db = frame_db(customer[-self._frame:])
        return [("agent", mic[:n]), ("customer", customer)]

    def _customer_frame(self) -> np.ndarray:
        if not self.speaking and self._start_at is not None and self._pos >= self._start_at:
            self._begin_line()
        if not self.speaking:
            return np.zeros(self._frame, np.int16)
        line = self.lines[self.step]
        out = np.zeros(self._frame, np.int16)
        part = line[self._line_pos:self._line_pos + self._frame]
        out[:len(part)] = part
        self._line_pos += len(part)
        if self._line_pos >= len(line):
            self.speaking = False
            self._answer_at = self._pos + len(part)
            self._heard, self._last_voice = self._detector.speaking, None
        return out

    def _begin_line(self) -> None:
        answer_end = self._last_voice / SAMPLE_RATE if self.step >= 0 and self._last_voice is not None else None
        self.step += 1
        self.speaking, self._line_pos, self._line_start, self._start_at = True, 0, self._pos, None
        if self.play is not None:
            try:
                self.play(self.lines[self.step].astype(np.float32) / np.float32(32768.0))
            except Exception as exc:  # no speaker, a device gone: the line is on screen and in the engine anyway
                self.play_problem = f"Could not play the customer's line ({exc}); read it on screen."
        self.starts.append(LineStart(self.step, self._pos / SAMPLE_RATE, answer_end, time.monotonic()))

    def _hear(self, ev: SpeechStarted | SpeechEnded) -> None:
        if not self.listening:
            return
        if isinstance(ev, SpeechStarted):
            self._heard = True
        elif ev.t * SAMPLE_RATE > self._answer_at:  # an answer (or talk-over that ran past the line)
            self._heard = True
            self._last_voice = round(ev.t * SAMPLE_RATE)

    def _after_frame(self) -> None:
        if not self.listening or self._start_at is not None:
            return
        skipped = self._skip.is_set()
        quiet = (self._heard and not self._detector.speaking and self._last_voice is not None
                 and self._pos - self._last_voice >= self.turn_end)
        if not (quiet or skipped):
            return
        self._skip.clear()
        end = self._last_voice if self._last_voice is not None else self._pos
        self.spans.append(Span(self._line_start / SAMPLE_RATE, self._answer_at / SAMPLE_RATE, end / SAMPLE_RATE))
        if self.step + 1 < len(self.lines):
            self._start_at = self._pos
        else:
            self.done.set()


def _pcm(line: np.ndarray) -> np.ndarray:
    """A line as int16 at a steady level (-6 dBFS peak), as build_timeline levels them."""
    audio = np.asarray(line, np.float32)
    peak = float(np.max(np.abs(audio))) if audio.size else 0.0
    if peak > 0.0:
        audio = audio * np.float32(PEAK / peak)
    return (np.clip(audio, -1.0, 1.0) * 32767.0).astype(np.int16)


__all__ = ["LEAD_IN_S", "TURN_END_S", "LineStart", "Mic", "SimulatedCustomer"]
