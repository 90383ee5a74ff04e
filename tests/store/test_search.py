"""Full-text search over transcripts: a phrase finds the call and the line."""

from __future__ import annotations

from pathlib import Path

from coach_app.store.library import Library

from .helpers import SUMMARY, call_events, write_wav


def save(library: Library, tmp_path: Path, name: str, *lines: tuple[str, float, float, str]) -> int:
    return library.save_call(write_wav(tmp_path / f"{name}.wav"), call_events(*lines), SUMMARY)


def test_a_phrase_finds_the_call_that_contains_it(library: Library, tmp_path: Path) -> None:
    refund = save(library, tmp_path, "a", ("customer", 0.5, 2.0, "I want my money back"),
                  ("agent", 2.5, 4.0, "I can offer you a full refund today"))
    other = save(library, tmp_path, "b", ("agent", 0.5, 2.0, "your refund was offered yesterday"))
    assert [c.id for c in library.list_calls(search="offer you a full refund")] == [refund]
    assert [c.id for c in library.list_calls(search="OFFER YOU")] == [refund]  # case does not matter
    assert library.list_calls(search="refund a full") == []  # a phrase, not a bag of words
    assert {c.id for c in library.list_calls(search="refund")} == {refund, other}
    assert {c.id for c in library.list_calls()} == {refund, other}


def test_search_returns_the_line_and_its_time(library: Library, tmp_path: Path) -> None:
    call = save(library, tmp_path, "a", ("customer", 0.5, 2.0, "my parcel never arrived"),
                ("agent", 2.5, 4.0, "I will send a new one by Friday"))
    hits = library.search_utterances("by friday")
    assert [(h["call_id"], h["channel"], h["t0"]) for h in hits] == [(call, "agent", 2.5)]


def test_short_and_odd_queries_are_safe(library: Library, tmp_path: Path) -> None:
    call = save(library, tmp_path, "a", ("agent", 0.5, 2.0, 'say "ok" 100% sure'),
                ("customer", 2.5, 3.0, "我要退款"))
    assert [c.id for c in library.list_calls(search="ok")] == [call]  # shorter than the trigram index
    assert [c.id for c in library.list_calls(search='"ok" 100%')] == [call]  # quotes are text, not syntax
    assert [c.id for c in library.list_calls(search="退款")] == [call]  # Chinese: no spaces between words
    assert [c.id for c in library.list_calls(search="%")] == [call]  # LIKE wildcards are escaped…
    assert library.list_calls(search="_") == []  # …so "_" matches only an underscore
    assert library.list_calls(search="nothing like this") == []


def test_rows_written_during_the_call_are_searchable(library: Library, tmp_path: Path) -> None:
    writer = library.writer()
    try:
        handle = writer.start_call(write_wav(tmp_path / "live.wav"))
        writer.add_events(handle, call_events(("agent", 0.5, 1.5, "thanks for waiting"), nudges=0))
        assert writer.flush(5)
    finally:
        writer.close()
    assert [c.id for c in library.list_calls(search="thanks for waiting")] == [handle.id]
