"""Per-call figures for the review window's trend plots, oldest call first. No Qt here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from coach_app.store.library import CallRow, Library

# "retracted" (the agent opened with empathy before the nudge settled) is a done nudge, as in the list.
DONE = ("satisfied", "retracted")
MAX_CALLS = 200  # a trend over the latest calls; thousands of points would only be a smear


@dataclass(frozen=True)
class TrendPoint:
    call_id: int
    started_at: str
    response_gap: float | None  # median seconds before the agent answered
    emotions_pct: float | None  # % of label_emotion nudges done; None when the call had none
    timeframe_pct: float | None  # % of timeframe nudges done; None when the call had none
    nudges: int  # all nudges in the call

    @property
    def date(self) -> datetime | None:
        try:
            return datetime.fromisoformat(self.started_at)
        except ValueError:
            return None


def done_pct(outcomes: dict[str, int]) -> float | None:
    """Share of decided nudges that were done; "pending" ones (a call cut off) are not decided."""
    decided = {k: n for k, n in outcomes.items() if k != "pending"}
    total = sum(decided.values())
    if not total:
        return None
    return 100.0 * sum(n for k, n in decided.items() if k in DONE) / total


def point(row: CallRow) -> TrendPoint:
    counts = row.nudge_counts
    return TrendPoint(row.id, row.started_at, row.median_response_gap, done_pct(counts.get("label_emotion", {})),
                      done_pct(counts.get("timeframe", {})),
                      sum(n for outcomes in counts.values() for n in outcomes.values()))


def trend_points(library: Library, max_calls: int = MAX_CALLS) -> list[TrendPoint]:
    """The latest `max_calls` finished calls, oldest first (a call still recording has no figures yet)."""
    rows = [r for r in library.list_calls(limit=max_calls) if r.status != "recording"]
    return [point(r) for r in reversed(rows)]


__all__ = ["MAX_CALLS", "TrendPoint", "done_pct", "point", "trend_points"]
