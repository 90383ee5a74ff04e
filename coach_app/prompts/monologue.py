"""`monologue`: the agent has talked for more than 40 s without giving the customer room to speak.
Long explanations lose people; a question brings them back in."""

from __future__ import annotations

from coach_app.events import Event, Nudge, NudgeResolved, Prosody, SpeechEnded, SpeechStarted, Words
from coach_app.prompts.lexicon import Lexicon
from coach_app.settings import MonologueSettings

KIND = "monologue"
PRIORITY = 30


class MonologueRule:
    kind = KIND

    def __init__(self, settings: MonologueSettings, lexicon: Lexicon):
        self.settings = settings
        self.lexicon = lexicon
        self._message, self._suggestion = lexicon.text(KIND, "message"), lexicon.text(KIND, "suggestion")
        self._start: float | None = None  # the agent's current stretch of talk began here
        self._agent_end = float("-inf")
        self._fired_in_stretch = False
        self._last_fired = float("-inf")
        self._count = 0

    def on_event(self, event: Event) -> list[Event]:
        if isinstance(event, SpeechStarted):
            if event.channel != "agent":
                self._start = None  # the customer got a word in
            elif self._start is None or event.t - self._agent_end >= self.settings.room_s:
                self._start, self._fired_in_stretch = event.t, False
            return []
        if isinstance(event, SpeechEnded) and event.channel == "agent":
            self._agent_end = event.t
            return self._check(event.t)
        if isinstance(event, (Prosody, Words)) and event.channel == "agent":
            return self._check(event.t if isinstance(event, Prosody) else event.t1)
        return []

    def finish(self, t_end: float) -> list[Event]:
        return []

    def _check(self, now: float) -> list[Event]:
        if self._start is None or self._fired_in_stretch:
            return []
        at = self._start + self.settings.max_s
        if now < at or at - self._last_fired < self.settings.cooldown_s:
            return []
        self._fired_in_stretch = True
        self._last_fired = at
        self._count += 1
        talked = now - self._start
        nudge = Nudge(f"{KIND}-{self._count}", KIND, round(at, 3), self._message,
                      self._suggestion.format(seconds=self.settings.max_s),
                      {"talked_s": round(talked, 1)}, PRIORITY)
        return [nudge, NudgeResolved(nudge.id, round(at, 3), "missed")]
