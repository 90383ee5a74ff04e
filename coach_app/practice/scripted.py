"""A trainee who answers from recordings but reacts like a person: each answer starts when the
simulated customer stops talking, its own leading silence being the pause the trainee leaves. It is
the microphone of a SimulatedCustomer in tests, benchmarks and `practice --answers --live`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import numpy as np

from coach_app.audio import SAMPLE_RATE
from coach_app.audio.capture import SILENCE_DB, CaptureState, Chunk
from coach_app.audio.vad import frame_db
from coach_app.practice.answers import Answer
from coach_app.practice.live_run import SimulatedCustomer


class ScriptedTrainee:
    state = CaptureState.RUNNING
    message = "Scripted answers."
    gap_seconds = 0.0
    dropped_blocks = 0

    def __init__(self, answers: Sequence[Answer], block_ms: int = 20, realtime: bool = False,
                 early_s: float | None = None, echo_db: float | None = None, echo_delay_s: float = 0.08,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep):
        """`early_s`: start each answer this long before the customer's line ends (talking over).
        `echo_db`: the customer's line also reaches the microphone this many dB down, `echo_delay_s`
        late (laptop speakers instead of a headset)."""
        self.answers = [(np.clip(a.audio, -1.0, 1.0) * 32767.0).astype(np.int16) for a in answers]
        self.block = SAMPLE_RATE * block_ms // 1000
        self.realtime, self.early = realtime, early_s
        self.echo = None if echo_db is None else np.float32(10 ** (echo_db / 20))
        self.echo_delay = round(echo_delay_s * SAMPLE_RATE)
        self.customer: SimulatedCustomer | None = None
        self.voice_ends: list[float] = []  # audio time each answer's last sample was read
        self.voice_end_walls: list[float] = []  # and the clock when that happened
        self._clock, self._sleep = clock, sleep
        self._pos = 0
        self._answering = -1  # step whose answer is playing or played
        self._at = 0  # position in that answer
        self._t0 = 0.0
        self._db = SILENCE_DB

    def attach(self, customer: SimulatedCustomer) -> SimulatedCustomer:
        self.customer = customer
        return customer

    def open(self) -> bool:
        self._t0 = self._clock()
        return True

    def check(self) -> None:
        pass

    def read(self, timeout: float = 0.0) -> list[Chunk]:
        if self.realtime:  # deliver a block only when its audio time has come
            wait = self._t0 + (self._pos + self.block) / SAMPLE_RATE - self._clock()
            if wait > 0:
                self._sleep(min(wait, max(timeout, 0.001)))
                if self._t0 + (self._pos + self.block) / SAMPLE_RATE > self._clock():
                    return []
        block = np.zeros(self.block, np.int16)
        step = self._due()
        if step is not None:
            if step != self._answering:
                self._answering, self._at = step, 0
            answer = self.answers[step]
            part = answer[self._at:self._at + self.block]
            block[:len(part)] = part
            self._at += len(part)
            if self._at >= len(answer) and len(part):
                self.voice_ends.append((self._pos + len(part)) / SAMPLE_RATE)
                self.voice_end_walls.append(self._clock())
        if self.echo is not None:
            block = self._with_echo(block)
        self._pos += self.block
        self._db = frame_db(block)
        return [("agent", block)]

    def _with_echo(self, block: np.ndarray) -> np.ndarray:
        c, gain = self.customer, self.echo
        if c is None or gain is None or not c.starts:
            return block
        start = round(c.starts[-1].t * SAMPLE_RATE) + self.echo_delay
        line = c.lines[c.starts[-1].step]
        a = max(self._pos - start, 0)
        part = line[a:max(self._pos + len(block) - start, 0)].astype(np.float32) * gain
        mixed = block.astype(np.float32)
        mixed[len(block) - len(part):] += part
        return np.clip(mixed, -32768, 32767).astype(np.int16)

    def _due(self) -> int | None:
        """The step being answered now, if any."""
        c = self.customer
        if c is None or c.step < 0 or c.step >= len(self.answers):
            return None
        if c.step == self._answering:
            return c.step if self._at < len(self.answers[c.step]) else None
        if c.listening:
            return c.step
        if self.early is not None and c.speaking and c.line_left_s <= self.early:
            return c.step
        return None

    def close(self) -> list[Chunk]:
        return []

    def levels(self) -> tuple[float, float]:
        return self._db, SILENCE_DB

    def backlog(self) -> int:
        return 0


__all__ = ["ScriptedTrainee"]
