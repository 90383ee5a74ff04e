"""Recorded calls in: WAV (16/24/32-bit PCM, float) or FLAC, any rate from 8 kHz up, mono or stereo.

Stereo is left = agent, right = customer. Everything is converted here, at the edge, to 16 kHz int16
blocks so nothing downstream knows what the file was.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from coach_app.audio import SAMPLE_RATE
from coach_app.events import CHANNELS, Channel

MIN_RATE = 8000


class AudioFileError(ValueError):
    """A recording we cannot use; the message says which file and why."""


@dataclass(frozen=True)
class CallAudio:
    path: Path
    sample_rate: int
    channels: tuple[Channel, ...]  # ("agent", "customer") or ("mixed",)
    frames: int
    subtype: str
    swap: bool = False  # the file has the customer on the left

    @property
    def duration(self) -> float:
        return self.frames / self.sample_rate

    @property
    def mono(self) -> bool:
        return self.channels == ("mixed",)

    def describe(self) -> str:
        layout = "mono (agent+customer mixed)" if self.mono else "stereo (left agent, right customer)"
        return f"{self.path.name}: {self.duration:.1f} s, {layout}, {self.sample_rate} Hz {self.subtype}"

    def blocks(self, block_s: float = 0.5) -> Iterator[np.ndarray]:
        """(n, len(channels)) int16 blocks at 16 kHz."""
        block = max(1, int(block_s * self.sample_rate))
        n_ch = len(self.channels)
        resampler = None
        if self.sample_rate != SAMPLE_RATE:
            resampler = soxr.ResampleStream(self.sample_rate, SAMPLE_RATE, n_ch, dtype="float32", quality="HQ")
        try:
            with sf.SoundFile(str(self.path)) as f:
                for chunk in f.blocks(blocksize=block, dtype="float32", always_2d=True):
                    yield from _convert(chunk[:, :n_ch], resampler, last=False, swap=self.swap)
                if resampler is not None:
                    yield from _convert(np.zeros((0, n_ch), np.float32), resampler, last=True, swap=self.swap)
        except sf.LibsndfileError as exc:
            raise AudioFileError(f"{self.path}: the audio data is damaged ({exc})") from exc


def _convert(chunk: np.ndarray, resampler, last: bool, swap: bool) -> Iterator[np.ndarray]:
    data = resampler.resample_chunk(np.ascontiguousarray(chunk), last=last) if resampler is not None else chunk
    if len(data) == 0:
        return
    if swap:
        data = data[:, ::-1]
    yield (np.clip(data, -1.0, 1.0) * 32767.0).astype(np.int16)


def open_call(path: str | Path, swap_channels: bool = False) -> CallAudio:
    """Check a recording before anything is computed or written; AudioFileError says what is wrong."""
    path = Path(path)
    if not path.exists():
        raise AudioFileError(f"{path}: no such file")
    if path.is_dir():
        raise AudioFileError(f"{path}: is a directory, not a recording")
    if path.stat().st_size == 0:
        raise AudioFileError(f"{path}: the file is empty (0 bytes)")
    try:
        info = sf.info(str(path))
    except (sf.LibsndfileError, RuntimeError, TypeError) as exc:
        raise AudioFileError(
            f"{path}: not a readable WAV or FLAC recording ({_reason(exc)}). "
            "coach_app reads PCM WAV (16/24-bit) and FLAC."
        ) from exc
    if info.frames <= 0:
        raise AudioFileError(f"{path}: the recording contains no audio (0 samples)")
    if info.samplerate < MIN_RATE:
        raise AudioFileError(
            f"{path}: sample rate {info.samplerate} Hz is too low; telephone audio (8000 Hz) or better is needed"
        )
    if info.channels > 2:
        raise AudioFileError(
            f"{path}: has {info.channels} channels; expected stereo (left agent, right customer) or mono"
        )
    channels: tuple[Channel, ...] = CHANNELS if info.channels == 2 else ("mixed",)
    swap = swap_channels and info.channels == 2
    return CallAudio(path, int(info.samplerate), channels, int(info.frames), str(info.subtype), swap)


def _reason(exc: Exception) -> str:
    text = str(exc).strip()
    return text.split(":", 1)[-1].strip() if text.startswith("Error opening") else text
