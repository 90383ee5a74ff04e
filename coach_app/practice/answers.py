"""The trainee's answers: per-turn WAVs, or one WAV split on its silences.

Each answer keeps the silence before it: that silence is the pause the trainee left after the
customer stopped, so waiting 2 s counts. Trailing silence is cut (the customer moves on when the
trainee stops).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from coach_app.audio import SAMPLE_RATE
from coach_app.audio.vad import TurnDetector
from coach_app.audio.wavsource import AudioFileError, open_call
from coach_app.events import SpeechEnded
from coach_app.settings import VadSettings


@dataclass(frozen=True)
class Answer:
    audio: np.ndarray  # mono float32 at 16 kHz: leading silence (the pause) + speech, no tail
    onset: float  # seconds of silence before the first word
    source: str


def load_answers(files: Sequence[Path], steps: int, vad: VadSettings) -> list[Answer]:
    """One file = all answers split by silence; several = one per step. Raises AudioFileError."""
    if len(files) > 1 and len(files) != steps:
        raise AudioFileError(f"got {len(files)} answer files but the scenario has {steps} steps "
                             "(give one WAV per step, or one WAV with all answers)")
    audios = [(_read(f), str(f)) for f in files]
    if len(files) == 1 and steps > 1:
        return split_answers(audios[0][0], steps, vad, audios[0][1])
    answers = []
    for n, (audio, source) in enumerate(audios, start=1):
        segments = speech_segments(audio, vad)
        if not segments:
            raise AudioFileError(f"{source}: no speech heard in the answer to step {n}")
        answers.append(_answer(audio, 0.0, segments[0][0], segments[-1][1], source))
    return answers


def split_answers(audio: np.ndarray, steps: int, vad: VadSettings, source: str = "<answers>") -> list[Answer]:
    """The `steps - 1` longest silences between speech separate the answers; shorter ones are
    pauses inside an answer (between sentences, for breath)."""
    segments = speech_segments(audio, vad)
    if len(segments) < steps:
        raise AudioFileError(f"{source}: heard {len(segments)} answer(s) separated by silence, "
                             f"but the scenario has {steps} steps")
    gaps = sorted(range(1, len(segments)), key=lambda i: segments[i][0] - segments[i - 1][1], reverse=True)
    cuts = sorted(gaps[: steps - 1])
    groups = [segments[a:b] for a, b in zip([0, *cuts], [*cuts, len(segments)])]
    answers = []
    start = 0.0  # an answer's pause begins where the previous answer's speech ended
    for group in groups:
        answers.append(_answer(audio, start, group[0][0], group[-1][1], source))
        start = group[-1][1]
    return answers


def speech_segments(audio: np.ndarray, vad: VadSettings) -> list[tuple[float, float]]:
    """(onset, offset) seconds of each stretch of speech, by the engine's own turn detector."""
    det = TurnDetector("agent", vad)
    pcm = (np.clip(audio, -1.0, 1.0) * 32767.0).astype(np.int16)
    n = len(pcm) // det.frame_len
    events = [e for k in range(n) for e in det.process(pcm[k * det.frame_len:(k + 1) * det.frame_len])]
    events += det.finish()
    return [(e.t_start, e.t) for e in events if isinstance(e, SpeechEnded)]


def _answer(audio: np.ndarray, start: float, onset: float, offset: float, source: str) -> Answer:
    a, b = round(start * SAMPLE_RATE), round(offset * SAMPLE_RATE)
    return Answer(np.ascontiguousarray(audio[a:b], dtype=np.float32), round(onset - start, 3), source)


def _read(path: Path) -> np.ndarray:
    call = open_call(path)  # the same checks and messages as `analyze`
    try:
        audio, rate = sf.read(str(call.path), dtype="float32", always_2d=True)
    except sf.LibsndfileError as exc:
        raise AudioFileError(f"{path}: the audio data is damaged ({exc})") from exc
    mono = audio.mean(axis=1)  # a stereo answer is one voice recorded on two channels
    if rate != SAMPLE_RATE:
        mono = soxr.resample(mono, rate, SAMPLE_RATE)
    return np.ascontiguousarray(mono, dtype=np.float32)
