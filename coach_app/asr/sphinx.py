"""PocketSphinx: the bundled engine. Its US-English model ships inside the wheel, so coach_app
recognises speech on a fresh install with no download. Weak on 8 kHz phone audio; Vosk is better."""

from __future__ import annotations

import re

from pocketsphinx import Decoder

from coach_app.asr.isolated import IsolatedFactory
from coach_app.events import Word

FRAME_RATE = 100  # PocketSphinx segment times are in 10 ms frames
_ALT = re.compile(r"\(\d+\)$")  # "for(2)": alternate pronunciation of "for"
_NOT_WORDS = {"<s>", "</s>", "<sil>", "[NOISE]", "[SPEECH]"}


class SphinxRecogniser:
    def __init__(self) -> None:
        self._decoder = Decoder(samprate=16000, loglevel="FATAL")
        self._t0 = 0.0
        self._open = False

    def start(self, t0: float) -> None:
        self._t0 = t0
        self._decoder.start_utt()
        self._open = True

    def feed(self, pcm: bytes) -> None:
        self._decoder.process_raw(pcm, False, False)

    def partial(self) -> list[Word]:
        """The words so far, with times; their confidence (0 = unknown) comes only with the final."""
        if not self._open or self._decoder.hyp() is None:
            return []
        return self._words(with_conf=False)

    def end(self) -> list[Word]:
        if not self._open:
            return []
        self._decoder.end_utt()
        self._open = False
        return self._words(with_conf=True)

    def _words(self, with_conf: bool) -> list[Word]:
        words = []
        for seg in self._decoder.seg():
            if seg.word in _NOT_WORDS or seg.word.startswith("++"):
                continue
            conf = round(min(1.0, max(0.0, seg.prob)), 3) if with_conf else 0.0
            words.append(Word(_ALT.sub("", seg.word), round(self._t0 + seg.start_frame / FRAME_RATE, 3),
                              round(self._t0 + (seg.end_frame + 1) / FRAME_RATE, 3), conf))
        return words


class SphinxFactory:
    name = "pocketsphinx (bundled en-us)"

    def create(self) -> SphinxRecogniser:
        return SphinxRecogniser()

    def for_live(self) -> IsolatedFactory:
        """Live: each channel decodes in its own process, so its GIL never freezes the window."""
        return IsolatedFactory(self)
