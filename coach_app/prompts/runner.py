"""Runs the coaching rules over events: every event to every rule, and what rules emit back to the
rules too (in order), so one rule can react to another's nudge."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Sequence

from coach_app.events import Event
from coach_app.prompts.base import Rule


class RuleRunner:
    def __init__(self, rules: Sequence[Rule]):
        self.rules = list(rules)
        self.seconds = 0.0  # wall time spent in rules, for benchmarks

    def dispatch(self, raw: Sequence[Event]) -> list[Event]:
        out: list[Event] = []
        queue = deque(raw)
        start = time.perf_counter()
        while queue:
            event = queue.popleft()
            out.append(event)
            for rule in self.rules:
                queue.extend(rule.on_event(event))
        self.seconds += time.perf_counter() - start
        return out

    def finish(self, t_end: float) -> list[Event]:
        out: list[Event] = []
        for rule in self.rules:
            out += self.dispatch(rule.finish(t_end))
        return out
