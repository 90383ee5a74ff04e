"""`timeframe`: "soon" means a day to one person and a week to another. A vague time from the agent
needs a concrete one ("by Thursday at 5 pm") in the same or the agent's next turn."""

from __future__ import annotations

import re

from coach_app.events import Event, SpeechStarted, Words
from coach_app.prompts.lexicon import Lexicon, normalise
from coach_app.prompts.spotting import Spot
from coach_app.prompts.word_rule import WordRule
from coach_app.settings import RuleSettings


class TimeframeRule(WordRule):
    kind = "timeframe"
    priority = 75
    listens_to = "agent"

    def __init__(self, settings: RuleSettings, lexicon: Lexicon):
        super().__init__(settings, lexicon)
        self._vague = lexicon.cues(self.kind, "vague")
        self._concrete = lexicon.patterns(self.kind, "concrete_patterns")
        self._past = lexicon.patterns(self.kind, "past_patterns")  # "when he didn't turn up on Tuesday": no promise
        self._exceptions = lexicon.phrases(self.kind, "vague_exceptions")

    def detect(self, words: Words) -> tuple[Spot, str, dict] | None:
        if self._exceptions and self.spotter.find(words, self._exceptions, trigger=True) is not None:
            return None  # "我马上帮您查" is acting now, not promising a time
        spot = self.spotter.find(words, self._vague, trigger=True)
        if spot is None or (words.final and self._concrete_time(words)):
            return None  # "soon, by Thursday at 5 pm" is already concrete
        return spot, self.lexicon.text(self.kind, "suggestion"), {}

    def react(self, event: Event) -> list[Event]:
        assert self.open is not None
        if isinstance(event, Words) and event.channel == "agent" and self._concrete_time(event):
            return [self.close(event.t1, "satisfied")]
        if (isinstance(event, SpeechStarted) and event.channel == "agent" and self.open.confirmed
                and self.turns.turns["agent"] >= self.open.agent_turn + 2):
            return [self.close(event.t, "missed")]  # that turn and the next went by
        return []

    def _concrete_time(self, words: Words) -> bool:
        """A concrete time promised, not one already gone ("Why didn't you ring when he didn't turn up on Tuesday?")."""
        text = normalise(words.text)
        for past in self._past:
            text = re.sub(past, " ", text)
        return any(re.search(p, text) for p in self._concrete)
