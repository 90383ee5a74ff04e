"""The arbiter: one nudge visible at a time, by priority, rate-limited, review-only kinds kept off screen."""

from __future__ import annotations

from coach_app.events import Nudge, NudgeResolved
from coach_app.prompts.arbiter import NudgeArbiter, max_visible_at_once
from coach_app.settings import FatigueSettings


def nudge(i, kind, t, priority=50):
    return Nudge(f"{kind}-{i}", kind, t, "m", "s", {}, priority)


def test_higher_priority_replaces_lower_and_lower_comes_back_if_fresh():
    arb = NudgeArbiter(FatigueSettings(), display_s=6.0, queue_s=4.0)
    arb.push(nudge(1, "pause", 10.0, 60))
    arb.push(nudge(1, "label_emotion", 11.0, 80))
    assert arb.visible.kind == "label_emotion"
    arb.push(NudgeResolved("label_emotion-1", 12.0, "satisfied"))
    assert arb.visible.kind == "pause"  # 2 s old: still worth showing
    assert max_visible_at_once(arb.shown) == 1


def test_lower_priority_waits_and_goes_stale():
    arb = NudgeArbiter(FatigueSettings(), display_s=6.0, queue_s=4.0)
    arb.push(nudge(1, "label_emotion", 10.0, 80))
    arb.push(nudge(1, "help_offer", 10.5, 70))
    assert arb.visible.kind == "label_emotion"
    arb.advance(16.0)  # the first leaves the screen; the waiting one is 5.5 s old: dropped
    assert arb.visible is None
    assert [n.kind for n in arb.suppressed] == ["help_offer"]


def test_retracted_leaves_at_once():
    arb = NudgeArbiter(FatigueSettings())
    arb.push(nudge(1, "pause", 10.0))
    arb.push(NudgeResolved("pause-1", 10.4, "retracted"))
    assert arb.visible is None and arb.shown[0].t_off == 10.4


def test_at_most_six_in_ten_minutes():
    arb = NudgeArbiter(FatigueSettings(max_per_10_min=6), display_s=5.0)
    for i in range(10):
        arb.push(nudge(i, "pause", 30.0 * i))
    arb.advance(700.0)
    assert len(arb.shown) == 6 and len(arb.suppressed) == 4
    arb.push(nudge(99, "pause", 700.0))  # the window has moved on
    assert arb.visible is not None and arb.visible.id == "pause-99"


def test_closing_is_review_only():
    arb = NudgeArbiter(FatigueSettings())
    arb.push(nudge(1, "closing", 100.0, 20))
    assert arb.visible is None and arb.shown == [] and arb.suppressed[0].kind == "closing"


def test_dismiss_shows_the_next_and_snooze_silences_a_kind():
    arb = NudgeArbiter(FatigueSettings())
    arb.push(nudge(1, "label_emotion", 10.0, 80))
    arb.push(nudge(1, "pause", 10.5, 60))
    assert arb.dismiss(11.0).kind == "label_emotion"
    assert arb.visible.kind == "pause"
    arb.snooze("pause", 11.5)
    assert arb.visible is None
    arb.push(nudge(2, "pause", 30.0, 60))
    assert arb.visible is None and arb.suppressed[-1].id == "pause-2"


def test_a_nudge_timed_a_moment_back_is_shown_now_not_over_the_last_one():
    # The overlap pause is timed at the agent's onset but judged after its grace: it arrives after a
    # nudge that already left the screen later than that onset. One on screen at a time, still.
    arb = NudgeArbiter(FatigueSettings())
    arb.push(nudge(1, "help_offer", 10.0, 70))
    arb.push(NudgeResolved("help_offer-1", 12.0, "satisfied"))
    arb.push(nudge(1, "pause", 11.6, 60))
    assert arb.visible.kind == "pause" and arb.shown[-1].t_on == 12.0
    arb.push(nudge(1, "label_emotion", 11.9, 80))  # replaces it, also at screen time
    assert [(s.t_on, s.t_off) for s in arb.shown] == [(10.0, 12.0), (12.0, 12.0), (12.0, None)]
    assert max_visible_at_once(arb.shown) == 1
