"""CallEngine: audio frames in, events out. Qt-free; time is audio samples.

The same engine runs live (capture worker), over files (`analyze`), in practice mode and in tests:
`feed(frames)` returns the events those frames caused, `finish()` closes the call.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Sequence

import numpy as np

from coach_app.asr.base import Recogniser, RecogniserFactory
from coach_app.audio import SAMPLE_RATE
from coach_app.audio.prosody import ProsodyTracker
from coach_app.audio.vad import TurnDetector, frame_db
from coach_app.events import CHANNELS, Channel, Event, SpeechEnded, SpeechStarted, Words
from coach_app.prompts.base import Rule
from coach_app.prompts.runner import RuleRunner
from coach_app.settings import Settings

STAGES = ("vad", "prosody", "asr", "rules")


class _Lane:
    """One channel: turn detector, prosody and recogniser, with a pre-roll so onsets are not clipped."""

    def __init__(self, channel: Channel, settings: Settings, recogniser: Recogniser | None, clock: dict):
        vad = settings.vad
        self.channel = channel
        self.det = TurnDetector(channel, vad)
        self.prosody = ProsodyTracker(channel, settings.prosody_window_s, self.det.frame_s)
        self.rec = recogniser
        self.clock = clock
        self._history: deque[tuple[int, bytes]] = deque(
            maxlen=(vad.preroll_ms + vad.min_speech_ms + 200) // vad.frame_ms
        )
        self._partial_frames = max(1, round(settings.partial_every_s / self.det.frame_s))
        self._utt_t0: float | None = None
        self._utt_frames = 0
        self._preroll = vad.preroll_ms // vad.frame_ms

    def on_frame(self, index: int, frame: np.ndarray, level: float, other_db: float | None) -> list[Event]:
        self._history.append((index, frame.tobytes()))
        t0 = time.perf_counter()
        vad_events = self.det.process(frame, level, other_db)
        t1 = time.perf_counter()
        self.clock["vad"] += t1 - t0
        events: list[Event] = []
        for ev in vad_events:
            events.append(ev)
            events += self._open(ev.t) if isinstance(ev, SpeechStarted) else self._close(ev)
        if self._utt_t0 is not None and not any(isinstance(e, SpeechStarted) for e in vad_events):
            events += self._feed(frame.tobytes(), index)
        t2 = time.perf_counter()
        decision = self.det.last_decision
        events += self.prosody.process(frame, decision.level_db, decision.speech, (index + 1) * self.det.frame_s)
        self.clock["prosody"] += time.perf_counter() - t2
        return events

    def yield_floor(self, t: float) -> list[Event]:
        return self._ended(self.det.yield_floor(t))

    def finish(self) -> list[Event]:
        return self._ended(self.det.finish())

    def _ended(self, ends: list[SpeechEnded]) -> list[Event]:
        """Each SpeechEnded followed by the final words of its utterance."""
        events: list[Event] = []
        for ev in ends:
            events += [ev, *self._close(ev)]
        return events

    def _open(self, onset: float) -> list[Event]:
        if self.rec is None:
            return []
        first = round(onset / self.det.frame_s) - self._preroll
        frames = [(i, b) for i, b in self._history if i >= first]
        self._utt_t0 = round(frames[0][0] * self.det.frame_s, 3)
        self._utt_frames = 0
        t0 = time.perf_counter()
        self.rec.start(self._utt_t0)
        self.clock["asr"] += time.perf_counter() - t0
        events: list[Event] = []
        for i, pcm in frames:
            events += self._feed(pcm, i)
        return events

    def _feed(self, pcm: bytes, index: int) -> list[Event]:
        assert self.rec is not None and self._utt_t0 is not None
        t0 = time.perf_counter()
        self.rec.feed(pcm)
        self._utt_frames += 1
        events: list[Event] = []
        if self._utt_frames % self._partial_frames == 0:
            words = tuple(self.rec.partial())
            text = " ".join(w.text for w in words)
            if text:  # repeated even when unchanged: a hypothesis that holds is worth knowing (stability)
                events.append(Words(self.channel, self._utt_t0, round((index + 1) * self.det.frame_s, 3), text, words, False))
        self.clock["asr"] += time.perf_counter() - t0
        return events

    def _close(self, ended: SpeechEnded) -> list[Event]:
        if self.rec is None or self._utt_t0 is None:
            return []
        t0 = time.perf_counter()
        words = tuple(self.rec.end())
        self.clock["asr"] += time.perf_counter() - t0
        self._utt_t0 = None
        text = " ".join(w.text for w in words)
        start = words[0].t0 if words else ended.t_start
        end = words[-1].t1 if words else ended.t
        return [Words(self.channel, start, end, text, words, True)]


class CallEngine:
    """Feed (n, channels) int16 frames at 16 kHz; get events. Mono calls use the single channel "mixed"."""

    def __init__(
        self,
        settings: Settings,
        recognisers: RecogniserFactory | None,
        rules: Sequence[Rule],
        channels: Sequence[Channel] = CHANNELS,
    ):
        self.settings = settings
        self.channels = tuple(channels)
        self.rules = RuleRunner(rules)
        self.engine_name = recognisers.name if recognisers else "none (voice activity only)"
        self.stage_seconds = {stage: 0.0 for stage in STAGES}
        self.lanes = [
            _Lane(ch, settings, recognisers.create() if recognisers else None, self.stage_seconds)
            for ch in self.channels
        ]
        self.frame_len = SAMPLE_RATE * settings.vad.frame_ms // 1000
        self._pending = np.zeros((0, len(self.channels)), dtype=np.int16)
        self._index = 0
        self._finished = False

    @property
    def t(self) -> float:
        """Audio seconds processed so far."""
        return self._index * self.frame_len / SAMPLE_RATE

    def feed(self, frames: np.ndarray) -> list[Event]:
        if self._finished:
            raise RuntimeError("feed() after finish()")
        frames = np.asarray(frames, dtype=np.int16).reshape(len(frames), -1)
        if frames.shape[1] != len(self.channels):
            raise ValueError(f"expected {len(self.channels)} channel(s), got {frames.shape[1]}")
        buf = np.concatenate([self._pending, frames]) if len(self._pending) else frames
        n = len(buf) // self.frame_len
        events: list[Event] = []
        for k in range(n):
            events += self._step(buf[k * self.frame_len:(k + 1) * self.frame_len])
        self._pending = buf[n * self.frame_len:]
        return events

    def finish(self) -> list[Event]:
        """Close open speech and open nudges. Leftover samples shorter than a frame are dropped."""
        if self._finished:
            return []
        self._finished = True
        raw: list[Event] = []
        for lane in self.lanes:
            raw += lane.finish()
        events = self.rules.dispatch(raw)
        events += self.rules.finish(round(self.t, 3))
        self.stage_seconds["rules"] = self.rules.seconds
        return events

    def _step(self, block: np.ndarray) -> list[Event]:
        index = self._index
        self._index += 1
        cols = [np.ascontiguousarray(block[:, c]) for c in range(len(self.channels))]
        levels = [frame_db(col) for col in cols]
        raw: list[Event] = []
        for c, lane in enumerate(self.lanes):
            other = levels[1 - c] if len(self.lanes) == 2 else None
            lane_events = lane.on_frame(index, cols[c], levels[c], other)
            for ev in lane_events:
                if isinstance(ev, SpeechStarted) and len(self.lanes) == 2:
                    raw += self.lanes[1 - c].yield_floor(ev.t)
                raw.append(ev)
        if not raw:
            return []
        events = self.rules.dispatch(raw)
        self.stage_seconds["rules"] = self.rules.seconds
        return events
