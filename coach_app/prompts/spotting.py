"""Finding the rules' phrases in what the recogniser heard, with its confidence.

English is matched word by word on the recogniser's tokens (so "soon" never matches "soonest"),
Chinese as substrings (no word boundaries). A final result is trusted only where the recogniser was
sure of the words; a partial result only where the phrase is already followed by more speech (the
last word of a partial is the least stable), and only on a channel whose recent final words the
recogniser was sure of (partials carry no confidence of their own). Rules never act on one unsure
word: on the real noisy call the bundled recogniser's words are mostly wrong. On a channel the
recogniser is unsure of (a noisy telephone line), a phrase of two or more words is trusted from a
partial once it has stood unchanged for a few partials and more speech follows it (one word: once
two more follow, and only after the channel's first finals, when the call's opening noise is past):
waiting for the final there costs seconds, and a phrase that holds still while the sentence moves
on is rarely noise. Only triggers are taken early; the final confirms them or takes them back.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from coach_app.events import Words
from coach_app.prompts.lexicon import Cues, normalise


RELIABLE_WINDOW, RELIABLE_MIN_WORDS, RELIABLE_CONF = 20, 5, 0.6
SETTLED_PARTIALS = 3  # on an unsure channel: a phrase unchanged over this many partials (~0.5 s) is trusted


@dataclass(frozen=True)
class Spot:
    phrase: str
    t: float  # end of the phrase in audio time (best known)
    conf: float


class PhraseSpotter:
    def __init__(self, language: str, min_word_conf: float = 0.5, min_phrase_conf: float = 0.35):
        self.language = language
        self.min_word_conf = min_word_conf
        self.min_phrase_conf = min_phrase_conf
        self._recent: dict[str, deque[float]] = {}  # channel -> confidences of its latest final words
        self._partials: dict[str, deque[list[str]]] = {}  # channel -> its latest partials' tokens, oldest first

    def observe(self, words: Words) -> None:
        """Learn how reliable the recogniser is on this channel (finals) and what it said a moment
        ago (partials), before `find` looks at the same event."""
        if words.final:
            self._partials.pop(words.channel, None)
            if words.words:
                self._recent.setdefault(words.channel, deque(maxlen=RELIABLE_WINDOW)).extend(w.conf for w in words.words)
        else:
            self._partials.setdefault(words.channel, deque(maxlen=SETTLED_PARTIALS)).append(_tokens(words))

    def reliable(self, channel: str) -> bool:
        recent = self._recent.get(channel)
        return recent is not None and len(recent) >= RELIABLE_MIN_WORDS and sum(recent) / len(recent) >= RELIABLE_CONF

    def find(self, words: Words, cues: Cues | tuple[str, ...], trigger: bool = False) -> Spot | None:
        """The earliest trusted occurrence of any phrase or pattern, or None. `trigger`: the spot
        would fire a nudge, which the final result confirms or takes back, so a phrase held still in
        the partials of an unsure channel is trusted too; an outcome (satisfied) cannot be taken back."""
        if not isinstance(cues, Cues):
            cues = Cues(cues)
        if self.language == "zh":
            text = _squash(words.text)
            found = [self._find_substring(words, text, cues.phrases, trigger)]
            found += [self._find_pattern_zh(words, text, p, trigger) for p in cues.patterns]
        else:
            heard = _Heard.of(words)
            found = [self._find_tokens(words, heard, cues.phrases, trigger)]
            found += [self._find_pattern(words, heard, p, trigger) for p in cues.patterns]
        spots = [f for f in found if f is not None]
        return min(spots, key=lambda spot: spot.t) if spots else None

    def _find_tokens(self, words: Words, heard: _Heard, phrases: tuple[str, ...], trigger: bool) -> Spot | None:
        best: Spot | None = None
        for phrase in phrases:
            target = phrase.split()
            n = len(target)
            stems = [_stem(t) for t in target]
            for i in range(len(heard.tokens) - n + 1):
                if heard.stems[i:i + n] != stems:
                    continue
                spot = self._spot_span(words, heard, i, n, phrase, trigger)
                if spot is None:
                    continue
                if best is None or spot.t < best.t:
                    best = spot
                break
        return best

    def _find_pattern(self, words: Words, heard: _Heard, pattern: re.Pattern[str], trigger: bool) -> Spot | None:
        """A pattern over the space-joined tokens, judged like a phrase of the tokens it spans."""
        for match in pattern.finditer(heard.joined):
            if match.end() <= match.start():
                continue
            span = [i for i, at in enumerate(heard.starts)
                    if at < match.end() and at + len(heard.tokens[i]) > match.start()]
            i, n = span[0], len(span)
            spot = self._spot_span(words, heard, i, n, match.group(0), trigger, pattern=True)
            if spot is not None:
                return spot
        return None

    def _spot_span(self, words: Words, heard: _Heard, i: int, n: int, phrase: str, trigger: bool,
                   pattern: bool = False) -> Spot | None:
        """Tokens i..i+n heard as `phrase`: timed at its last word, trusted by the words' confidence
        (a partial: by how long the same words have stood there)."""
        conf = min(heard.confs[i:i + n]) if n == 1 else sum(heard.confs[i:i + n]) / n
        held = self._held(words, heard.tokens[i:i + n], lambda tokens: tokens[i:i + n])
        if not self._trusted(words, n, conf, followed=len(heard.tokens) - (i + n), held=held, trigger=trigger,
                             open_end=pattern):
            return None
        return Spot(phrase, heard.times[i + n - 1], round(conf, 3))

    def _held(self, words: Words, now: object, read: Callable[[list[str]], object]) -> int:
        """For how many of the latest partials (this one included) the phrase's place, as `read`
        from a partial's tokens, has read `now`; a final holds nothing."""
        held = 0
        for tokens in () if words.final else reversed(self._partials.get(words.channel, ())):
            if read(tokens) != now:
                break
            held += 1
        return held

    def _trusted(self, words: Words, n_words: int, conf: float, followed: int, held: int = 0, trigger: bool = False,
                 open_end: bool = False) -> bool:
        if not words.final:  # no confidences yet: a phrase, a word the recogniser has moved past or kept
            if self.reliable(words.channel):
                if open_end and not trigger:  # an outcome on a pattern's open last word waits for it to settle ("I can she…" was "I can see")
                    return followed >= 1 or held >= 2
                return n_words >= 2 or followed >= 1 or held >= 2
            if not trigger or held < SETTLED_PARTIALS:
                return False
            heard_before = len(self._recent.get(words.channel, ())) >= RELIABLE_MIN_WORDS
            return followed >= 1 if n_words >= 2 else heard_before and followed >= 2
        return conf >= (self.min_word_conf if n_words == 1 else self.min_phrase_conf)

    def _find_substring(self, words: Words, text: str, phrases: tuple[str, ...], trigger: bool) -> Spot | None:
        hits = [(text.find(_squash(p)), _squash(p)) for p in phrases if _squash(p) and _squash(p) in text]
        if not hits:
            return None
        start, phrase = min(hits)
        return self._spot_chars(words, text, start, start + len(phrase), phrase, trigger)

    def _find_pattern_zh(self, words: Words, text: str, pattern: re.Pattern[str], trigger: bool) -> Spot | None:
        for match in pattern.finditer(text):
            if match.end() > match.start():
                spot = self._spot_chars(words, text, match.start(), match.end(), match.group(0), trigger)
                if spot is not None:
                    return spot
        return None

    def _spot_chars(self, words: Words, text: str, start: int, end: int, phrase: str, trigger: bool) -> Spot | None:
        """A Chinese phrase at text[start:end], timed and judged by the recognised words it spans."""
        t, conf = words.t1, 1.0
        if words.words:  # the words the phrase spans, by character offsets
            offset, spanned = 0, []
            for w in words.words:
                n = len(_squash(w.text))
                if offset < end and offset + n > start:
                    spanned.append(w)
                offset += n
            if spanned:
                t, conf = spanned[-1].t1, min(w.conf for w in spanned)
        held = self._held(words, text[start:end], lambda tokens: _squash("".join(tokens))[start:end])
        if not self._trusted(words, 2 if len(phrase) > 1 else 1, conf, followed=len(text) - end, held=held, trigger=trigger):
            return None
        return Spot(phrase, t, round(conf, 3))


@dataclass(frozen=True)
class _Heard:
    """One English result as the spotter reads it, worked out once for every phrase and pattern."""

    tokens: list[str]
    stems: list[str]
    times: list[float]  # end of each token
    confs: list[float]
    joined: str  # the tokens, space-joined, for patterns…
    starts: list[int]  # …and where each token starts in it

    @staticmethod
    def of(words: Words) -> _Heard:
        tokens = _tokens(words)
        if words.words:
            times, confs = [w.t1 for w in words.words], [w.conf for w in words.words]
        else:  # a transcript or partial without word times
            times, confs = [words.t1] * len(tokens), [1.0] * len(tokens)
        starts, offset = [], 0
        for token in tokens:
            starts.append(offset)
            offset += len(token) + 1
        return _Heard(tokens, [_stem(t) for t in tokens], times, confs, " ".join(tokens), starts)


SUFFIXES = ("ing", "ed", "es", "s", "e")


ARTICLES = ("a", "an", "the")


def _stem(token: str) -> str:
    """A light English stem so "charge me twice" finds "charged me twice" (both sides stemmed alike).
    The articles read as one: the recogniser often hears "in the right state" for "in a right state"."""
    if token in ARTICLES:
        return "a"
    for suffix in SUFFIXES:
        # a bare -e only comes off a longer word: "charge" ~ "charged", but "made" is not "mad"
        if token.endswith(suffix) and len(token) - len(suffix) >= (4 if suffix == "e" else 3):
            return token[: -len(suffix)]
    return token


def _tokens(words: Words) -> list[str]:
    if words.words:
        return [normalise(w.text) for w in words.words]
    return normalise(words.text).split()


def _squash(text: str) -> str:
    """Chinese text for substring matching: no spaces, no punctuation, and 您 read as 你 (the polite
    and the plain "you" say the same thing: "我帮你查" is "我帮您查")."""
    return normalise(text).replace(" ", "").replace("您", "你")
