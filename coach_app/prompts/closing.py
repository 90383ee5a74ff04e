"""`closing` (review only): the call ended without a proactive "Is there anything else I can do for
you?". Judged when the call is over, so it never interrupts a live call."""

from __future__ import annotations

from coach_app.events import Event, Nudge, NudgeResolved, SpeechStarted, Words
from coach_app.prompts.lexicon import Lexicon
from coach_app.prompts.spotting import PhraseSpotter
from coach_app.settings import ClosingSettings

KIND = "closing"
PRIORITY = 20


class ClosingRule:
    kind = KIND

    def __init__(self, settings: ClosingSettings, lexicon: Lexicon):
        self.settings = settings
        self.lexicon = lexicon
        self._message, self._suggestion = lexicon.text(KIND, "message"), lexicon.text(KIND, "suggestion")
        self._phrases = lexicon.cues(KIND, "phrases")
        self._spotter = PhraseSpotter(lexicon.language)
        self._asked_at: float | None = None
        self._last_start: float | None = None
        self._agent_spoke = False

    def on_event(self, event: Event) -> list[Event]:
        if isinstance(event, SpeechStarted):
            self._last_start = event.t
        elif isinstance(event, Words) and event.channel == "agent" and event.final:
            self._agent_spoke = self._agent_spoke or bool(event.text)
            spot = self._spotter.find(event, self._phrases)
            if spot is not None:
                self._asked_at = spot.t
        return []

    def finish(self, t_end: float) -> list[Event]:
        if not self._agent_spoke or self._last_start is None:
            return []
        window_start = min(t_end - self.settings.window_s, 0.75 * t_end)
        if self._asked_at is not None and self._asked_at >= window_start:
            return []
        nudge = Nudge(f"{KIND}-1", KIND, round(self._last_start, 3), self._message,
                      self._suggestion, {"asked_at": self._asked_at}, PRIORITY)
        return [nudge, NudgeResolved(nudge.id, round(t_end, 3), "missed")]
