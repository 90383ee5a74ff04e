"""Call-level figures from the event list: turns, talk ratio, response gaps, overlaps."""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from coach_app.events import Event, SpeechEnded


@dataclass(frozen=True)
class Segment:
    channel: str
    t0: float
    t1: float


def segments(events: list[Event]) -> list[Segment]:
    segs = [Segment(e.channel, e.t_start, e.t) for e in events if isinstance(e, SpeechEnded)]
    return sorted(segs, key=lambda s: (s.t0, s.channel))


def turns(segs: list[Segment]) -> list[Segment]:
    """Consecutive segments of one speaker are one turn; a turn changes when the other speaker starts."""
    merged: list[Segment] = []
    for s in segs:
        if merged and merged[-1].channel == s.channel:
            merged[-1] = Segment(s.channel, merged[-1].t0, max(merged[-1].t1, s.t1))
        else:
            merged.append(s)
    return merged


def response_gaps(segs: list[Segment]) -> list[float]:
    """Agent onset minus the end of the customer turn it answers (negative = talked over)."""
    ts = turns(segs)
    return [round(b.t0 - a.t1, 3) for a, b in zip(ts, ts[1:]) if a.channel == "customer" and b.channel == "agent"]


def overlaps(segs: list[Segment], min_s: float = 0.2) -> int:
    """Moments where both speak for at least `min_s`."""
    agent = [s for s in segs if s.channel == "agent"]
    customer = [s for s in segs if s.channel == "customer"]
    count = 0
    for a in agent:
        for c in customer:
            if min(a.t1, c.t1) - max(a.t0, c.t0) >= min_s:
                count += 1
    return count


def summarize(events: list[Event], duration: float, engine: str, wall_seconds: float, mono: bool) -> dict:
    segs = segments(events)
    talk = {ch: sum(s.t1 - s.t0 for s in segs if s.channel == ch) for ch in ("agent", "customer")}
    gaps = response_gaps(segs)
    per_speaker = not mono
    return {
        "type": "summary",
        "duration": round(duration, 3),
        "engine": engine,
        "turns": len(turns(segs)) if per_speaker else None,
        "talk_ratio": round(talk["agent"] / (talk["agent"] + talk["customer"]), 3)
        if per_speaker and talk["agent"] + talk["customer"] > 0 else None,
        "median_response_gap": round(statistics.median(gaps), 3) if per_speaker and gaps else None,
        "overlaps": overlaps(segs) if per_speaker else None,
        "realtime_factor": round(duration / wall_seconds, 1) if wall_seconds > 0 else None,
    }
