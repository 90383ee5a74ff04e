"""The readable timeline `coach-app analyze` prints: who spoke when, what was said, the nudges."""

from __future__ import annotations

from collections import Counter

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


def render_timeline(events: list[Event]) -> list[str]:
    rows: list[tuple[float, int, str]] = []
    for e in events:
        if isinstance(e, Words) and e.final and e.text:
            rows.append((e.t0, 0, f"{clock(e.t0)}  {e.channel.upper():9s} {e.text}"))
    for n in nudge_records(events):
        mark = {"missed": "!", "retracted": "~", "satisfied": "✓"}.get(n["outcome"], "·")
        rows.append((n["t"], 1, f"{clock(n['t'])}  {mark} {n['kind'].upper():7s} {n['outcome']}: {n['message']}. {n['suggestion']}"))
    return [text for _, _, text in sorted(rows, key=lambda r: (r[0], r[1]))]


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
