"""Shared shape of the rules triggered by words (emotion, help, timeframe, why, apology).

A rule may fire on a partial result, so the agent sees the nudge while the sentence is still going;
the final result of the same utterance then confirms it or retracts it. Each rule has a cooldown
and at most one nudge of its kind open at a time.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from coach_app.events import Event, Nudge, NudgeResolved, Words
from coach_app.prompts.lexicon import Lexicon
from coach_app.prompts.spotting import PhraseSpotter, Spot
from coach_app.prompts.turns import TurnTracker
from coach_app.settings import RuleSettings


@dataclass
class Open:
    """A fired nudge waiting for its outcome."""

    nudge: Nudge
    agent_turn: int  # the agent's turn count when it fired
    confirmed: bool  # the final words confirmed it (or it came from a final)
    extra: dict = field(default_factory=dict)


class WordRule:
    kind = ""
    priority = 50
    listens_to = "customer"  # whose words trigger the rule

    def __init__(self, settings: RuleSettings, lexicon: Lexicon):
        self.settings = settings
        self.lexicon = lexicon
        self.spotter = PhraseSpotter(lexicon.language, settings.min_word_conf)
        self.turns = TurnTracker()
        self.open: Open | None = None
        self.message = lexicon.text(self.kind, "message")  # read now: a broken lexicon fails at start, not mid-call
        self._last_fired = float("-inf")
        self._count = 0

    # --- what a rule defines -------------------------------------------------------------------
    def detect(self, words: Words) -> tuple[Spot, str, dict] | None:
        """(where, suggestion, evidence) when these words trigger the rule."""
        raise NotImplementedError

    def react(self, event: Event) -> list[Event]:
        """Resolve the open nudge from later events (default: nothing)."""
        return []

    def resolve_on_confirm(self) -> str | None:
        """Outcome as soon as the nudge is confirmed (rules whose firing is itself the miss)."""
        return None

    def cooling(self, t: float, words: Words) -> bool:
        """Too soon after the last nudge of this kind to fire again."""
        return t - self._last_fired < self.settings.cooldown_s

    # --- the shared mechanics ------------------------------------------------------------------
    def on_event(self, event: Event) -> list[Event]:
        self.turns.observe(event)
        if isinstance(event, Words):
            self.spotter.observe(event)
        out: list[Event] = []
        if isinstance(event, Words) and event.channel == self.listens_to:
            out += self._triggering_words(event)
        if self.open is not None:
            out += self.react(event)
        return out

    def finish(self, t_end: float) -> list[Event]:
        if self.open is None:
            return []
        missed = self.open.confirmed and not self._unanswerable()
        return [self.close(t_end, "missed" if missed else "retracted")]

    def _unanswerable(self) -> bool:
        """Nothing the agent can be said to have missed: the call ended on the customer's words
        ("Forget it. I'll try someone else. Bye.") and the agent had no turn to answer them in."""
        assert self.open is not None
        return self.listens_to == "customer" and self.turns.turns["agent"] == self.open.agent_turn

    def fire(self, t: float, suggestion: str, evidence: dict, confirmed: bool) -> Nudge:
        """A new nudge of this kind, now open (cooldown starts)."""
        self._count += 1
        self._last_fired = t
        nudge = Nudge(f"{self.kind}-{self._count}", self.kind, round(t, 3), self.message, suggestion, evidence,
                      self.priority)
        self.open = Open(nudge, self.turns.turns["agent"], confirmed=confirmed)
        return nudge

    def close(self, t: float, outcome: str) -> NudgeResolved:
        assert self.open is not None
        nudge, self.open = self.open.nudge, None
        return NudgeResolved(nudge.id, round(t, 3), outcome)  # type: ignore[arg-type]

    def _triggering_words(self, words: Words) -> list[Event]:
        if self.open is not None and not self.open.confirmed:
            if not words.final:
                return []
            if self.detect(words) is None:  # the partial misheard: take it back
                return [self.close(words.t1, "retracted")]
            self.open.confirmed = True
            outcome = self.resolve_on_confirm()
            return [self.close(words.t1, outcome)] if outcome else []
        if self.open is not None:
            return []
        hit = self.detect(words)
        if hit is None or self.cooling(hit[0].t, words):
            return []
        spot, suggestion, evidence = hit
        nudge = self.fire(spot.t, suggestion, {"heard": spot.phrase, "conf": spot.conf, **evidence}, words.final)
        out: list[Event] = [nudge]
        outcome = self.resolve_on_confirm() if words.final else None
        if outcome:
            out.append(self.close(spot.t, outcome))
        return out
