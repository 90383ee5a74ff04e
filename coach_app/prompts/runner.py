"""Runs the coaching rules over events: every event to every rule, and what rules emit back to the
rules too (in order), so one rule can react to another's nudge."""

from __future__ import annotations

import time
from collections.abc import Sequence

from coach_app.events import Event
from coach_app.prompts.base import Rule


class RuleRunner:
    def __init__(self, rules: Sequence[Rule]):
        self.rules = list(rules)
        self.seconds = 0.0  # wall time spent in rules, for benchmarks

    def dispatch(self, raw: Sequence[Event]) -> list[Event]:
        """Each event, then at once what the rules made of it, so nudges stay in time order."""
        out: list[Event] = []
        start = time.perf_counter()
        for event in raw:
            self._deliver(event, out)
        self.seconds += time.perf_counter() - start
        return out

    def _deliver(self, event: Event, out: list[Event]) -> None:
        out.append(event)
        for rule in self.rules:
            for made in rule.on_event(event):
                self._deliver(made, out)

    def finish(self, t_end: float) -> list[Event]:
        out: list[Event] = []
        for rule in self.rules:
            out += self.dispatch(rule.finish(t_end))
        return out
