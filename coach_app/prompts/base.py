"""The shape every coaching rule has."""

from __future__ import annotations

from typing import Protocol

from coach_app.events import Event


class Rule(Protocol):
    kind: str

    def on_event(self, event: Event) -> list[Event]:
        """React to one engine event; return new Nudge / NudgeResolved events (usually none)."""

    def finish(self, t_end: float) -> list[Event]:
        """The call is over: resolve whatever is still open."""
