"""The streaming recogniser interface every engine implements.

The engine hands a recogniser one utterance at a time (VAD decides where speech is), so silence
costs no recognition time. One recogniser instance per channel.
"""

from __future__ import annotations

from typing import Protocol

from coach_app.events import Word


class ModelMissing(RuntimeError):
    """A recognition model is not installed; the message says how to install it."""


class Recogniser(Protocol):
    def start(self, t0: float) -> None:
        """Begin an utterance whose first sample is at audio time `t0` (seconds)."""

    def feed(self, pcm: bytes) -> None:
        """16 kHz mono signed 16-bit little-endian samples of the current utterance."""

    def partial(self) -> list[Word]:
        """Best hypothesis so far for the current utterance, with word times; conf 0 (not known yet)."""

    def end(self) -> list[Word]:
        """Finish the utterance; its words with audio-time t0/t1."""


class RecogniserFactory(Protocol):
    name: str  # shown to the agent, e.g. "pocketsphinx (bundled en-us)"

    def create(self) -> Recogniser:
        """A fresh recogniser for one channel; the model is loaded once per factory."""

    def for_live(self) -> RecogniserFactory:
        """The variant for live calls, where decoding must never hold up the window (may be self)."""
