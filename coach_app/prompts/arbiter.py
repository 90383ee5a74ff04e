"""What the agent actually sees: one nudge at a time, by priority, and never a flood.

The engine reports every nudge (the review keeps them all); the arbiter decides which are shown
live. A higher-priority nudge replaces a lower one; others wait a few seconds and are dropped when
stale; a retracted or satisfied nudge leaves the screen at once; at most `max_per_10_min` are shown
in any ten minutes. Review-only kinds (the closing) are never shown during a call. Pure and
time-driven (audio time), so the overlay and the benchmarks share it.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from coach_app.events import Event, Nudge, NudgeResolved
from coach_app.settings import FatigueSettings

REVIEW_ONLY = frozenset({"closing"})
WINDOW_S = 600.0


@dataclass
class Shown:
    nudge: Nudge
    t_on: float
    t_off: float | None = None
    outcome: str | None = None


class NudgeArbiter:
    def __init__(self, settings: FatigueSettings, display_s: float = 6.0, queue_s: float = 4.0):
        self.settings = settings
        self.display_s = display_s
        self.queue_s = queue_s
        self.shown: list[Shown] = []
        self.suppressed: list[Nudge] = []  # over the rate limit, stale in the queue, or review-only
        self._visible: Shown | None = None
        self._queue: list[Nudge] = []
        self._recent: deque[float] = deque()
        self.snoozed: set[str] = set()  # kinds the agent silenced for this call
        # Screen time only moves forward: a nudge timed a moment back (an overlap judged after its
        # grace, a partial confirmed late) is shown now, never behind the one it replaces.
        self._now = float("-inf")

    @property
    def visible(self) -> Nudge | None:
        return self._visible.nudge if self._visible else None

    def push(self, event: Event) -> None:
        """Events in the order the engine emitted them."""
        if isinstance(event, Nudge):
            self.advance(event.t)
            self._offer(event)
        elif isinstance(event, NudgeResolved):
            self.advance(event.t)
            self._resolved(event)

    def dismiss(self, t: float) -> Nudge | None:
        """The agent closed the visible nudge; the next waiting one may show."""
        t = self._now = max(t, self._now)
        nudge = self.visible
        if self._visible:
            self._visible.outcome = "dismissed"
            self._hide(t)
            self._show_next(t)
        return nudge

    def snooze(self, kind: str, t: float) -> None:
        """No more nudges of this kind for the rest of the call."""
        self.snoozed.add(kind)
        self._queue = [n for n in self._queue if n.kind != kind]
        if self._visible and self._visible.nudge.kind == kind:
            self.dismiss(t)

    def advance(self, t: float) -> None:
        """Let audio time pass: expire the visible nudge, show the next one waiting."""
        t = self._now = max(t, self._now)
        if self._visible and t >= self._visible.t_on + self.display_s:
            self._hide(self._visible.t_on + self.display_s)
        if self._visible is None:
            self._show_next(t)

    def _offer(self, nudge: Nudge) -> None:
        if nudge.kind in REVIEW_ONLY or nudge.kind in self.snoozed:
            self.suppressed.append(nudge)
        elif self._visible is None:
            self._show(nudge, self._now)
        elif nudge.priority > self._visible.nudge.priority:
            self._queue.append(self._visible.nudge)  # set aside, may come back if still fresh
            self._hide(self._now)
            self._show(nudge, self._now)
        else:
            self._queue.append(nudge)

    def _resolved(self, event: NudgeResolved) -> None:
        if self._visible and self._visible.nudge.id == event.id:
            self._visible.outcome = event.outcome
            if event.outcome in ("retracted", "satisfied", "dismissed"):
                self._hide(self._now)
                self._show_next(self._now)
        elif event.outcome in ("retracted", "satisfied", "dismissed"):
            self._queue = [n for n in self._queue if n.id != event.id]

    def _show_next(self, t: float) -> None:
        fresh = [n for n in self._queue if t - n.t <= self.queue_s]
        self.suppressed += [n for n in self._queue if t - n.t > self.queue_s]
        self._queue = fresh
        if fresh:
            best = max(fresh, key=lambda n: (n.priority, -n.t))
            self._queue.remove(best)
            self._show(best, t)

    def _show(self, nudge: Nudge, t: float) -> None:
        while self._recent and t - self._recent[0] >= WINDOW_S:
            self._recent.popleft()
        if len(self._recent) >= self.settings.max_per_10_min:
            self.suppressed.append(nudge)
            return
        self._recent.append(t)
        self._visible = Shown(nudge, t)
        self.shown.append(self._visible)

    def _hide(self, t: float) -> None:
        if self._visible:
            self._visible.t_off = t
            self._visible = None


def max_visible_at_once(shown: list[Shown]) -> int:
    """Largest number of overlapping shown spans (1 by construction; benchmarks check it)."""
    edges = sorted([(s.t_on, 1) for s in shown] + [(s.t_off if s.t_off is not None else float("inf"), -1) for s in shown],
                   key=lambda e: (e[0], e[1]))
    now = peak = 0
    for _, step in edges:
        now += step
        peak = max(peak, now)
    return peak
