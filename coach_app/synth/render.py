"""Lay a call script out on a stereo timeline (left = agent, right = customer) with its ground truth.

The timeline is built in 16 kHz samples, flite's rate, so truth times are exact; other output
rates are resampled from the finished mix, and noise is added last, at the output rate.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from coach_app.synth.flite import SAMPLE_RATE as SPEECH_RATE
from coach_app.synth.voices import speak
from coach_app.synth.script import DEFAULT_END, Line, Script, ScriptError

CHANNELS: dict[str, int] = {"agent": 0, "customer": 1}


@dataclass(frozen=True)
class TruthLine:
    speaker: str
    t0: float  # speech onset, seconds from the start of the file
    t1: float  # speech offset
    text: str


@dataclass
class RenderedCall:
    audio: np.ndarray  # (n, 2) float32; column 0 = agent (left), 1 = customer (right)
    sample_rate: int
    truth: list[TruthLine]

    @property
    def duration(self) -> float:
        return len(self.audio) / self.sample_rate


def render_call(
    lines: Script | Sequence[Line],
    sample_rate: int = 16000,
    noise_db: float | None = None,
    seed: int = 0,
    *,
    end: float | None = None,
    peak_db: float | None = -6.0,
    cache_dir: str | Path | None = None,
) -> RenderedCall:
    """Render a script. `end` overrides the script's trailing silence; `noise_db` is the RMS
    level (dBFS) of white noise on each channel; `peak_db` levels every utterance to the same
    peak (None keeps flite's own, which differs by voice)."""
    if isinstance(lines, Script):
        source, script_lines = lines.source, lines.lines
        end = lines.end if end is None else end
    else:
        source, script_lines = "<lines>", tuple(lines)
    end = DEFAULT_END if end is None else end
    if not script_lines:
        raise ScriptError(source, 0, "no lines to say")
    if sample_rate < 8000:
        raise ValueError(f"sample rate {sample_rate} Hz is below telephone quality (8000 Hz)")

    placed: list[tuple[Line, int, np.ndarray]] = []
    speech_end = 0  # latest end of any speech so far, in 16 kHz samples
    prev_start = 0
    channel_end = {speaker: 0 for speaker in CHANNELS}
    for i, line in enumerate(script_lines):
        if line.speaker not in CHANNELS:
            raise ScriptError(source, line.lineno, f"unknown speaker {line.speaker!r}")
        speech = speak(line.text, line.voice, cache_dir)
        if peak_db is not None:
            speech = speech * np.float32(10 ** (peak_db / 20) / np.max(np.abs(speech)))
        start = speech_end + round(line.gap * SPEECH_RATE)
        if i == 0 and start < 0:
            raise ScriptError(source, line.lineno, "the first line cannot overlap anything")
        if i > 0 and start <= prev_start:
            prev_len = (speech_end - prev_start) / SPEECH_RATE
            raise ScriptError(
                source,
                line.lineno,
                f"overlap of {-line.gap:.2f} s starts before the previous line does "
                f"(the speech before it lasts {prev_len:.2f} s)",
            )
        if start < channel_end[line.speaker]:
            raise ScriptError(source, line.lineno, f"{line.speaker} would talk over their own previous line")
        placed.append((line, start, speech))
        prev_start = start
        channel_end[line.speaker] = start + len(speech)
        speech_end = max(speech_end, start + len(speech))

    total = speech_end + round(max(end, 0.0) * SPEECH_RATE)
    mix = np.zeros((total, 2), dtype=np.float32)
    truth: list[TruthLine] = []
    for line, start, speech in placed:
        mix[start : start + len(speech), CHANNELS[line.speaker]] += speech
        truth.append(TruthLine(line.speaker, start / SPEECH_RATE, (start + len(speech)) / SPEECH_RATE, line.text))

    if sample_rate != SPEECH_RATE:
        want = round(total * sample_rate / SPEECH_RATE)
        mix = _fit_length(soxr.resample(mix, SPEECH_RATE, sample_rate), want)
    if noise_db is not None:
        rng = np.random.default_rng(seed)
        mix = mix + rng.normal(0.0, 10 ** (noise_db / 20), mix.shape).astype(np.float32)
    audio = np.ascontiguousarray(np.clip(mix, -1.0, 1.0), dtype=np.float32)
    return RenderedCall(audio, sample_rate, truth)


def write_call(
    rendered: RenderedCall, wav_path: str | Path, truth_path: str | Path | None = None, subtype: str = "PCM_16"
) -> None:
    """Write the stereo WAV (and truth as JSON lines); each file appears whole or not at all."""
    audio, rate = rendered.audio, rendered.sample_rate
    _atomic_write(Path(wav_path), lambda tmp: sf.write(tmp, audio, rate, subtype=subtype, format="WAV"))
    if truth_path is not None:
        body = "".join(json.dumps(_rounded(asdict(t))) + "\n" for t in rendered.truth)
        _atomic_write(Path(truth_path), lambda tmp: Path(tmp).write_text(body, encoding="utf-8"))


def read_truth(path: str | Path) -> list[TruthLine]:
    with open(path, encoding="utf-8") as fh:
        return [TruthLine(**json.loads(row)) for row in fh if row.strip()]


def _fit_length(audio: np.ndarray, n: int) -> np.ndarray:
    if len(audio) >= n:
        return audio[:n]
    return np.concatenate([audio, np.zeros((n - len(audio), audio.shape[1]), audio.dtype)])


def _rounded(row: dict[str, object]) -> dict[str, object]:
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in row.items()}


def _atomic_write(path: Path, write: Callable[[str], object]) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
