"""Who holds the floor: turn counting shared by the rules ("in the agent's next turn or two")."""

from __future__ import annotations

from coach_app.events import Event, SpeechEnded, SpeechStarted


class TurnTracker:
    """A new agent turn begins when the agent starts speaking after the customer has spoken since the
    agent last spoke (and vice versa). Backchannels count: rules that care filter them by words."""

    def __init__(self) -> None:
        self.turns = {"agent": 0, "customer": 0}
        self.speaking = {"agent": False, "customer": False}
        self.last_end = {"agent": float("-inf"), "customer": float("-inf")}
        self._last_speaker: str | None = None

    def observe(self, event: Event) -> None:
        if isinstance(event, SpeechStarted) and event.channel in self.turns:
            if self._last_speaker != event.channel:
                self.turns[event.channel] += 1
                self._last_speaker = event.channel
            self.speaking[event.channel] = True
        elif isinstance(event, SpeechEnded) and event.channel in self.turns:
            self.speaking[event.channel] = False
            self.last_end[event.channel] = event.t
