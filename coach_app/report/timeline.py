"""The readable timeline `coach-app analyze` prints: who spoke when, what was said, the nudges."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from coach_app.events import Event, Nudge, NudgeResolved, Words


def clock(t: float) -> str:
    minutes, seconds = divmod(max(t, 0.0), 60)
    return f"{int(minutes):2d}:{seconds:05.2f}"


def outcomes(events: list[Event]) -> dict[str, str]:
    """Nudge id -> final outcome; a nudge never resolved counts as missed."""
    result = {e.id: "missed" for e in events if isinstance(e, Nudge)}
    result.update({e.id: e.outcome for e in events if isinstance(e, NudgeResolved) and e.id in result})
    return result


def nudge_records(events: list[Event]) -> list[dict]:
    final = outcomes(events)
    return [
        {"type": "nudge", "kind": e.kind, "t": e.t, "message": e.message, "outcome": final[e.id],
         "suggestion": e.suggestion, "id": e.id}
        for e in events if isinstance(e, Nudge)
    ]


@dataclass(frozen=True)
class TimelineRow:
    """One line of a call's timeline: what was said, or a nudge (a nudge sorts after words at the same t)."""

    t: float
    words: Words | None = None
    nudge: dict | None = None


def timeline_rows(events: list[Event]) -> list[TimelineRow]:
    rows = [TimelineRow(e.t0, words=e) for e in events if isinstance(e, Words) and e.final and e.text]
    rows += [TimelineRow(n["t"], nudge=n) for n in nudge_records(events)]
    return sorted(rows, key=lambda r: (r.t, r.nudge is not None))


def render_timeline(events: list[Event]) -> list[str]:
    lines = []
    for row in timeline_rows(events):
        if row.words is not None:
            lines.append(f"{clock(row.t)}  {row.words.channel.upper():9s} {row.words.text}")
        elif row.nudge is not None:
            n = row.nudge
            mark = {"missed": "!", "retracted": "~", "satisfied": "✓"}.get(n["outcome"], "·")
            lines.append(f"{clock(row.t)}  {mark} {n['kind'].upper():7s} {n['outcome']}: {n['message']}. {n['suggestion']}")
    return lines


def render_summary(summary: dict, events: list[Event]) -> list[str]:
    parts = [f"{summary['duration']:.1f} s"]
    if summary["turns"] is not None:
        parts.append(f"{summary['turns']} turns")
    if summary["talk_ratio"] is not None:
        parts.append(f"agent talks {summary['talk_ratio']:.0%}")
    if summary["median_response_gap"] is not None:
        parts.append(f"median response gap {summary['median_response_gap']:.2f} s")
    if summary["overlaps"] is not None:
        parts.append(f"{summary['overlaps']} overlaps")
    if summary["realtime_factor"] is not None:
        parts.append(f"{summary['realtime_factor']:g}x real time")
    counts = Counter((n["kind"], n["outcome"]) for n in nudge_records(events))
    nudges = ", ".join(f"{kind} {outcome} {k}" for (kind, outcome), k in sorted(counts.items())) or "none"
    return [f"Summary: {' · '.join(parts)}", f"Nudges: {nudges}", f"Engine: {summary['engine']}"]
