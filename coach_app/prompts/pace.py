"""`pace` (optional, `[pace] enabled = true`): the agent has been speaking fast for a while. A customer
who has to ask "sorry, could you repeat that?" is a customer who stopped listening.

Rate = the agent's recognised words (Chinese: characters) per minute of the agent's talk over about
the last `window_s`: talk is the agent's utterances plus the agent's own short breaths between them
(`breath_s`), never the customer's turns or long holds. Judged only once the agent has talked
`min_talk_s` in the window (sustained, not one quick sentence) and only on words the recogniser was
sure of (`min_conf`): on a noisy line the word count says nothing. Saying it is the miss (review shows
it; resolved at once), at most once per `cooldown_s`.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass

from coach_app.events import Event, Nudge, NudgeResolved, SpeechStarted, Words
from coach_app.prompts.lexicon import Lexicon, normalise
from coach_app.settings import PaceSettings

KIND = "pace"
PRIORITY = 20
_HAN = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True)
class _Said:
    t0: float  # start of the talk this utterance accounts for (its own start, or the breath before it)
    t1: float
    units: int  # words, or Chinese characters
    conf_sum: float
    n_words: int


class PaceRule:
    kind = KIND

    def __init__(self, settings: PaceSettings, lexicon: Lexicon):
        self.settings = settings
        self.lexicon = lexicon
        self._message, self._suggestion = lexicon.text(KIND, "message"), lexicon.text(KIND, "suggestion")
        self._max = settings.max_chars_per_min_zh if lexicon.language == "zh" else settings.max_words_per_min
        self._said: deque[_Said] = deque()
        self._last_end: float | None = None  # end of the agent's last utterance, while the customer stays quiet
        self._last_fired = float("-inf")
        self._count = 0

    def on_event(self, event: Event) -> list[Event]:
        if isinstance(event, SpeechStarted) and event.channel == "customer":
            self._last_end = None  # the customer's turn is not the agent's talk
        if not (isinstance(event, Words) and event.final and event.channel == "agent"):
            return []
        units = self._units(event)
        if units == 0:
            return []
        start = event.t0
        if self._last_end is not None and 0.0 <= event.t0 - self._last_end <= self.settings.breath_s:
            start = self._last_end  # a breath between the agent's own sentences is talk time
        confs = [w.conf for w in event.words] or [1.0] * units  # a transcript without word confidences
        self._said.append(_Said(start, event.t1, units, sum(confs), len(confs)))
        self._last_end = event.t1
        while self._said and self._said[0].t1 < event.t1 - self.settings.window_s:
            self._said.popleft()
        return self._judge(event.t1)

    def finish(self, t_end: float) -> list[Event]:
        return []

    def rate(self) -> tuple[float, float] | None:
        """(units per minute, seconds of talk) over the window, or None before there is any talk."""
        talk = sum(s.t1 - s.t0 for s in self._said)
        if talk <= 0:
            return None
        return sum(s.units for s in self._said) * 60.0 / talk, talk

    def _judge(self, now: float) -> list[Event]:
        found = self.rate()
        if found is None or now - self._last_fired < self.settings.cooldown_s:
            return []
        per_min, talk = found
        conf = sum(s.conf_sum for s in self._said) / max(1, sum(s.n_words for s in self._said))
        if talk < self.settings.min_talk_s or per_min <= self._max or conf < self.settings.min_conf:
            return []
        self._last_fired = now
        self._count += 1
        nudge = Nudge(f"{KIND}-{self._count}", KIND, round(now, 3), self._message,
                      self._suggestion.format(wpm=per_min),
                      {"per_min": round(per_min), "talk_s": round(talk, 1), "conf": round(conf, 2)}, PRIORITY)
        self._said.clear()  # the next judgement starts from fresh talk
        return [nudge, NudgeResolved(nudge.id, round(now, 3), "missed")]

    def _units(self, words: Words) -> int:
        text = normalise(words.text)
        if self.lexicon.language == "zh":
            han = len(_HAN.findall(text))
            return han + len(_HAN.sub(" ", text).split())
        return len(words.words) if words.words else len(text.split())
