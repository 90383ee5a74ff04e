"""Events become rows the way the printed timeline reads them."""

from __future__ import annotations

import pytest
from sqlite_utils import Database

from coach_app.events import NudgeResolved
from coach_app.store import rows

from .helpers import SUMMARY, call_events


def test_final_words_become_utterances_and_nudges_keep_their_outcome(mem_db: Database) -> None:
    call = rows.insert_call(mem_db, "recordings/a.wav")
    events = call_events(("customer", 0.5, 2.0, "I was charged twice"), ("agent", 2.4, 3.0, "let me check"), nudges=2)
    rows.add_events(mem_db, call, events[:3])  # written as the call goes: in pieces
    rows.add_events(mem_db, call, events[3:])
    utterances = list(mem_db.query("SELECT channel, text, words_json FROM utterances ORDER BY t0"))
    assert [(u["channel"], u["text"]) for u in utterances] == [("customer", "I was charged twice"),
                                                               ("agent", "let me check")]  # no partials
    assert '"charged"' in utterances[0]["words_json"]
    rows.finish_call(mem_db, call, 3.0, SUMMARY)
    outcomes = {r["nudge_id"]: r["outcome"] for r in mem_db.query("SELECT nudge_id, outcome FROM nudges")}
    assert outcomes == {"pause-0": "satisfied", "pause-1": "missed"}  # never resolved = missed
    call_row = next(mem_db.query("SELECT * FROM calls"))
    assert (call_row["status"], call_row["duration"], call_row["talk_ratio"]) == ("complete", 3.0, 0.5)


def test_a_nudge_replayed_twice_is_one_row_and_the_last_resolution_wins(mem_db: Database) -> None:
    call = rows.insert_call(mem_db, "recordings/a.wav")
    events = call_events(nudges=1)
    rows.add_events(mem_db, call, events)
    rows.add_events(mem_db, call, events + [NudgeResolved("pause-0", 3.0, "retracted")])
    found = list(mem_db.query("SELECT outcome, resolved_t FROM nudges"))
    assert found == [{"outcome": "retracted", "resolved_t": 3.0}]


def test_scores_are_one_value_per_item_and_remember_the_agents_edit(mem_db: Database) -> None:
    call = rows.insert_call(mem_db, "recordings/a.wav")
    rows.set_score(mem_db, call, "waited_before_answering", 0, edited_by_agent=False)
    rows.set_score(mem_db, call, "waited_before_answering", 1, edited_by_agent=True)
    assert list(mem_db.query("SELECT item, value, edited_by_agent FROM scores")) == [
        {"item": "waited_before_answering", "value": 1.0, "edited_by_agent": 1}]


def test_note_kinds_are_checked(mem_db: Database) -> None:
    call = rows.insert_call(mem_db, "recordings/a.wav")
    rows.add_note(mem_db, call, 1.0, "nice close", "good_example")
    with pytest.raises(ValueError, match="note kind"):
        rows.add_note(mem_db, call, 1.0, "x", "secret")


def test_a_practice_run_points_at_its_recorded_call(mem_db: Database) -> None:
    call = rows.insert_call(mem_db, "recordings/practice.wav", source="practice")
    run = rows.add_practice_run(mem_db, "angry refund", call, 95.0, {"nudges": 3})
    found = next(mem_db.query("SELECT * FROM practice_runs WHERE id = ?", [run]))
    assert (found["call_id"], found["scenario"], found["duration"], found["result_json"]) == (
        call, "angry refund", 95.0, '{"nudges": 3}')
