"""PocketSphinx: the bundled engine. Its US-English model ships inside the wheel, so coach_app
recognises speech on a fresh install with no download. Weak on 8 kHz phone audio; Vosk is better.

Hints. The first pass (the language model's best sentence) often mishears or doubts exactly the
words the coaching rules act on: "charged twice" comes out "charged nice", "why did you" "why did
they", "soon" at confidence 0.02. A keyword spotter for the rules' own phrases (`lexicon/en.toml`)
listens to the same audio alongside it and gives a second opinion on the final words:
- a phrase both passes heard word for word is sure: its words get at least `verified_conf`;
- a phrase of `correct_min_words`+ words the spotter is sure of (`correct_score`), where the first
  pass heard all but one of its words in that place and was unsure of the odd one (`unsure_conf`):
  the spotter's word replaces it.
Nothing else changes: the hint never adds a word where the first pass heard none, and a phrase the
spotter alone heard (its false alarms, frequent on short words) is ignored. Partials are the first
pass's alone. Cost: the spotter decodes at ~40 x real time, a few per cent of the first pass.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import NamedTuple

from pocketsphinx import Decoder

from coach_app.asr.isolated import IsolatedFactory
from coach_app.events import Word
from coach_app.settings import HintSettings

FRAME_RATE = 100  # PocketSphinx segment times are in 10 ms frames
SPOTTER_CHUNK = 16000  # bytes (0.5 s) handed to the keyword spotter at once: two decoders taking turns
# every 20 ms frame evict each other's model from the CPU cache
_ALT = re.compile(r"\(\d+\)$")  # "for(2)": alternate pronunciation of "for"
_NOT_WORDS = {"<s>", "</s>", "<sil>", "[NOISE]", "[SPEECH]"}


class Spotted(NamedTuple):
    """A phrase the keyword spotter heard, in audio time, with its score (higher = surer)."""

    phrase: str
    t0: float
    t1: float
    score: float


def apply_hints(words: Sequence[Word], spotted: Sequence[Spotted], hints: HintSettings) -> list[Word]:
    """The first pass's final words, with the spotter's second opinion applied (see the module doc)."""
    out = list(words)
    settled: set[int] = set()  # words a surer phrase already confirmed or corrected
    for spot in sorted(spotted, key=lambda s: -s.score):
        target = spot.phrase.split()
        n = len(target)
        best: tuple[int, list[int]] | None = None
        for i in range(len(out) - n + 1):
            run = out[i:i + n]
            if not all(w.t1 > spot.t0 and w.t0 < spot.t1 for w in run):
                continue  # every word must lie where the spotter heard the phrase
            odd = [k for k in range(n) if run[k].text.lower() != target[k]]
            if not odd:
                best = (i, odd)
                break
            if (best is None and len(odd) == 1 and n >= hints.correct_min_words and spot.score >= hints.correct_score
                    and run[odd[0]].conf < hints.unsure_conf and i + odd[0] not in settled):
                best = (i, odd)
        if best is None:
            continue
        i, odd = best
        for k in range(n):
            w = out[i + k]
            out[i + k] = replace(w, text=target[k] if k in odd else w.text, conf=max(w.conf, hints.verified_conf))
            settled.add(i + k)
    return out


class SphinxRecogniser:
    def __init__(self, phrases: Sequence[str] = (), hints: HintSettings | None = None) -> None:
        self._decoder = Decoder(samprate=16000, loglevel="FATAL")
        self._hints = hints or HintSettings()
        self._spotter = self._keyword_spotter(phrases) if self._hints.enabled else None
        self._t0 = 0.0
        self._open = False
        self._pending: list[bytes] = []  # audio not yet handed to the spotter
        self._pending_bytes = 0

    def _keyword_spotter(self, phrases: Sequence[str]) -> Decoder | None:
        """A second decoder that only listens for `phrases` (those whose words the model knows)."""
        lookup = self._decoder.lookup_word
        known = [p for p in dict.fromkeys(phrases) if p.split() and all(lookup(w) for w in p.split())]
        if not known:
            return None
        words = sorted({w for p in known for w in p.split()})
        with tempfile.TemporaryDirectory(prefix="coach-app-kws-") as tmp:  # read at once, then removed
            keys, lexicon = Path(tmp) / "phrases.txt", Path(tmp) / "phrases.dict"
            keys.write_text("".join(f"{p} /{self._hints.kws_threshold:g}/\n" for p in known), encoding="utf-8")
            lexicon.write_text("".join(f"{w} {lookup(w)}\n" for w in words), encoding="utf-8")
            return Decoder(samprate=16000, loglevel="FATAL", lm=None, dict=str(lexicon), kws=str(keys))

    def start(self, t0: float) -> None:
        self._t0 = t0
        self._decoder.start_utt()
        if self._spotter is not None:
            self._spotter.start_utt()
            self._pending, self._pending_bytes = [], 0
        self._open = True

    def feed(self, pcm: bytes) -> None:
        self._decoder.process_raw(pcm, False, False)
        if self._spotter is not None:
            self._pending.append(pcm)
            self._pending_bytes += len(pcm)
            if self._pending_bytes >= SPOTTER_CHUNK:
                self._spot_pending()

    def _spot_pending(self) -> None:
        assert self._spotter is not None
        if self._pending:
            self._spotter.process_raw(b"".join(self._pending), False, False)
            self._pending, self._pending_bytes = [], 0

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
        words = self._words(with_conf=True)
        if self._spotter is None:
            return words
        self._spot_pending()
        self._spotter.end_utt()
        return apply_hints(words, self.spotted(), self._hints)

    def spotted(self) -> list[Spotted]:
        """What the keyword spotter heard in the last finished utterance."""
        if self._spotter is None:
            return []
        return [Spotted(seg.word.strip(), round(self._t0 + seg.start_frame / FRAME_RATE, 3),
                        round(self._t0 + (seg.end_frame + 1) / FRAME_RATE, 3), seg.prob)
                for seg in (self._spotter.seg() or ())]

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

    def __init__(self, hints: HintSettings | None = None, phrases: Sequence[str] | None = None) -> None:
        """`phrases` the keyword spotter listens for: by default every phrase of the English rules."""
        self.hints = hints or HintSettings()
        if phrases is None and self.hints.enabled:
            from coach_app.prompts.lexicon import load_lexicon

            phrases = load_lexicon("en").spoken_phrases()
        self.phrases = tuple(phrases or ())

    def create(self) -> SphinxRecogniser:
        return SphinxRecogniser(self.phrases, self.hints)

    def for_live(self) -> IsolatedFactory:
        """Live: each channel decodes in its own process, so its GIL never freezes the window. The
        hints only if `hints.live` (their CPU and memory are over the live budget)."""
        live = self if self.hints.live or not self.hints.enabled else SphinxFactory(replace(self.hints, enabled=False))
        return IsolatedFactory(live)
