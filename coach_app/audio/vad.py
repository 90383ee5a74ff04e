"""Voice activity per channel, turned into speech segments with a hangover.

A frame is speech when webrtcvad says so *and* it stands `margin_db` above the channel's own noise
floor. The second test matters on real phone lines: webrtcvad alone fires on hum and on the hiss
that appears when a noise gate opens. A frame far quieter than the other channel at the same moment
is that channel's echo (headsets leak the agent into the customer track), not speech. The floor follows the quietest recent frames: it drops at
once and rises slowly, so speech never drags it up.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np
import webrtcvad

from coach_app.audio import SAMPLE_RATE
from coach_app.events import Channel, SpeechEnded, SpeechStarted
from coach_app.settings import VadSettings

FLOOR_MIN_DB = -75.0  # a gated (digital-silence) track must not pull the floor to -inf
FLOOR_RISE_DB_PER_S = 1.5
EDGE_FRAMES = 5  # at most 100 ms of weak onset/tail: more would take in the hiss of an opening noise gate
REF_RISE, REF_FALL = 0.05, 0.005  # speech-level follower: ~0.4 s up, ~4 s down


def frame_db(frame: np.ndarray) -> float:
    """RMS level of an int16 frame in dBFS."""
    rms = float(np.sqrt(np.mean(np.square(frame, dtype=np.float64))))
    return 20.0 * np.log10(max(rms, 1e-3) / 32768.0)


@dataclass
class FrameDecision:
    speech: bool
    level_db: float
    audible: bool = False  # above the noise floor and not echo: a weak onset or tail of speech


class TurnDetector:
    """Feed 16 kHz int16 frames of `frame_ms`; get SpeechStarted/SpeechEnded with exact onset/offset."""

    def __init__(self, channel: Channel, settings: VadSettings):
        self.channel = channel
        self.settings = settings
        self.frame_s = settings.frame_ms / 1000.0
        self.frame_len = SAMPLE_RATE * settings.frame_ms // 1000
        self._vad = webrtcvad.Vad(settings.aggressiveness)
        self._min_frames = max(1, round(settings.min_speech_ms / settings.frame_ms))
        self._hang_frames = max(1, round(settings.hangover_ms / settings.frame_ms))
        self._rise = FLOOR_RISE_DB_PER_S * self.frame_s
        self.floor_db: float | None = None  # set from the first frame
        self.speech_ref_db: float | None = None  # upper envelope of this channel's speech level
        self.index = 0  # frames seen
        self.speaking = False
        self._onset = 0  # frame index of the (candidate) onset
        self._voiced = 0  # voiced frames in the candidate
        self._last_voiced = -1
        self.last_decision = FrameDecision(False, -100.0)
        self._audible: deque[bool] = deque(maxlen=EDGE_FRAMES + 64)  # recent frames, for edge refinement

    def classify(self, frame: np.ndarray, level: float, other_db: float | None = None) -> FrameDecision:
        if self.floor_db is None:
            self.floor_db = max(level, FLOOR_MIN_DB)
        echo = other_db is not None and other_db - level > self.settings.crosstalk_db
        audible = not echo and level > self.floor_db + self.settings.edge_margin_db
        loud = not echo and level > self.floor_db + self.settings.margin_db
        if self.speech_ref_db is not None and level < self.speech_ref_db - self.settings.dynamic_range_db:
            loud = False
        speech = loud and self._vad.is_speech(frame.tobytes(), SAMPLE_RATE)
        if level < self.floor_db:
            self.floor_db = max(level, FLOOR_MIN_DB)
        elif not speech:
            self.floor_db = min(self.floor_db + self._rise, level)
        return FrameDecision(speech, level, audible)

    def process(
        self, frame: np.ndarray, level: float | None = None, other_db: float | None = None
    ) -> list[SpeechStarted | SpeechEnded]:
        """`level`: frame_db(frame) if the caller has it; `other_db`: the other channel's level for
        the same frame, for echo rejection."""
        level = frame_db(frame) if level is None else level
        decision = self.last_decision = self.classify(frame, level, other_db)
        i = self.index
        self.index += 1
        self._audible.append(decision.audible)
        events: list[SpeechStarted | SpeechEnded] = []
        if decision.speech:
            if not self.speaking and (self._voiced == 0 or i - self._last_voiced > self._gap_in_candidate):
                self._onset, self._voiced = i, 0
            self._voiced += 1
            self._last_voiced = i
            self._follow_speech_level(decision.level_db)
            if not self.speaking and self._voiced >= self._min_frames:
                self.speaking = True
                self._onset = self._extend_onset(self._onset)
                events.append(SpeechStarted(self.channel, self._t(self._onset)))
        elif self.speaking and i - self._last_voiced >= self._hang_frames:
            events.append(self._end())
        return events

    def finish(self) -> list[SpeechEnded]:
        return [self._end()] if self.speaking else []

    def yield_floor(self, t: float) -> list[SpeechEnded]:
        """The other party started at `t`: if we have been silent since before then, our segment
        ended at our last voiced frame (no need to wait out the hangover)."""
        if self.speaking and self._t(self._last_voiced + 1) <= t:
            return [self._end()]
        return []

    @property
    def _gap_in_candidate(self) -> int:
        # Unvoiced frames tolerated inside a not-yet-confirmed onset (stops, plosives).
        return 5

    def _follow_speech_level(self, level: float) -> None:
        """Track the loud part of this channel's speech: quick to rise, slow to fall, so breaths and
        quiet syllables do not drag the reference down."""
        ref = self.speech_ref_db
        if ref is None:
            self.speech_ref_db = level
        else:
            self.speech_ref_db = ref + (REF_RISE if level > ref else REF_FALL) * (level - ref)

    def _audible_at(self, frame_index: int) -> bool:
        back = self.index - 1 - frame_index
        return 0 <= back < len(self._audible) and self._audible[-1 - back]

    def _extend_onset(self, onset: int) -> int:
        """Weak onsets ("th", "f", "h") sit under the speech gate; take back audible frames just before."""
        for _ in range(EDGE_FRAMES):
            if not self._audible_at(onset - 1):
                break
            onset -= 1
        return onset

    def _extend_tail(self) -> None:
        for _ in range(EDGE_FRAMES):
            if not self._audible_at(self._last_voiced + 1):
                break
            self._last_voiced += 1

    def _end(self) -> SpeechEnded:
        self.speaking = False
        self._voiced = 0
        self._extend_tail()
        return SpeechEnded(self.channel, self._t(self._last_voiced + 1), self._t(self._onset))

    def _t(self, frame_index: int) -> float:
        return round(frame_index * self.frame_s, 3)
