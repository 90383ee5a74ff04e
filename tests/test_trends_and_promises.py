"""Trends over the agent's calls (series and plots) and the 'promises I made' list per call."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from coach_app.events import Event, Nudge, NudgeResolved, Words
from coach_app.prompts.lexicon import load_lexicon
from coach_app.report.promises import Promise, call_promises, language_of, promises
from coach_app.store.library import Library
from coach_app.store.trends import done_pct, trend_points


class NoOutput:
    """A sounddevice without an output device: playback runs on its clock, nothing is heard."""

    def query_devices(self):
        return [{"name": "Headset Mic", "max_input_channels": 1, "max_output_channels": 0}]


def agent(t0: float, text: str) -> dict:
    return {"channel": "agent", "t0": t0, "t1": t0 + 2.0, "text": text}


def customer(t0: float, text: str) -> dict:
    return {"channel": "customer", "t0": t0, "t1": t0 + 2.0, "text": text}


# --- promises ------------------------------------------------------------------------------------
def test_english_promises_with_their_time_in_the_call():
    lines = [customer(1.0, "It was due on Monday."),  # the customer's time is no promise
             agent(3.5, "Thank you. I will refund it by Friday at five pm. Anything else?"),
             agent(12.0, "You will get an email within 24 hours, and the card by the 15th.")]
    found = promises(lines, load_lexicon("en"))
    assert found == [Promise(3.5, "I will refund it by Friday at five pm.", "friday at five pm"),
                     Promise(12.0, "You will get an email within 24 hours, and the card by the 15th.",
                             "within 24 hours, by the 15th")]


def test_chinese_promises_with_their_time_in_the_call():
    lines = [agent(2.0, "好的，我们会在三个工作日内给您退款。"), agent(8.5, "明天下午三点前给您回电话！谢谢。")]
    assert language_of(lines) == "zh"
    found = call_promises(lines)
    assert [(p.t, p.when) for p in found] == [(2.0, "三个工作日内"), (8.5, "明天下午三点前")]
    assert found[1].text == "明天下午三点前给您回电话！"


@pytest.mark.parametrize("language, line", [
    ("en", "It will be delivered soon, as soon as possible."),
    ("en", "I'll call you back later."),
    ("zh", "我尽快帮您处理，过几天就好。"),
    ("zh", "我马上帮您查。"),
])
def test_vague_only_lines_promise_nothing(language, line):
    assert promises([agent(1.0, line)], load_lexicon(language)) == []
    assert call_promises([agent(1.0, line)]) == []  # language found from the text


# --- trends series --------------------------------------------------------------------------------
def nudge(i: int, kind: str, t: float, outcome: str | None) -> list[Event]:
    made: list[Event] = [Nudge(f"n{i}", kind, t, kind)]
    return made + ([NudgeResolved(f"n{i}", t + 1.0, outcome)] if outcome else [])  # type: ignore[arg-type]


def save(lib: Library, wav: Path, day: int, gap: float | None, nudges: list[tuple[str, str | None]],
         lines: list[Words] | None = None) -> int:
    events: list[Event] = list(lines or [Words("agent", 0.5, 2.0, "Hello, how can I help?")])
    for i, (kind, outcome) in enumerate(nudges):
        events += nudge(i, kind, 3.0 + i, outcome)
    return lib.save_call(wav, events, {"duration": 60.0, "median_response_gap": gap},
                         started_at=f"2025-03-{day:02d}T10:00:00+00:00")


@pytest.fixture
def wav(tmp_path: Path) -> Path:
    path = tmp_path / "quiet.wav"
    sf.write(path, np.zeros((16000 * 10, 2), dtype=np.int16), 16000)  # 10 s to seek in
    return path


@pytest.fixture
def library(private_home: Path):
    lib = Library(private_home / "library")
    yield lib
    lib.close()


def test_trend_series_from_a_small_library(library, wav):
    save(library, wav, 12, 1.5, [("label_emotion", "satisfied"), ("label_emotion", "missed"), ("timeframe", "missed")])
    save(library, wav, 10, 0.8, [("pause", "missed")])  # saved second, but the oldest call
    save(library, wav, 14, None, [("label_emotion", "retracted"), ("timeframe", "satisfied"),
                                  ("timeframe", None)])  # never resolved: counts as missed when the call ends
    points = trend_points(library)
    assert [p.started_at[:10] for p in points] == ["2025-03-10", "2025-03-12", "2025-03-14"]  # oldest first
    assert [p.response_gap for p in points] == [0.8, 1.5, None]
    assert [p.emotions_pct for p in points] == [None, 50.0, 100.0]  # retracted: opened with empathy, done
    assert [p.timeframe_pct for p in points] == [None, 0.0, 50.0]
    assert [p.nudges for p in points] == [1, 3, 3]
    assert points[0].date is not None and points[0].date.day == 10


def test_done_pct_leaves_pending_out():
    assert done_pct({}) is None
    assert done_pct({"pending": 2}) is None
    assert done_pct({"satisfied": 1, "missed": 3, "pending": 4}) == 25.0


# --- the trends page ------------------------------------------------------------------------------
def test_trends_view_says_not_enough_calls_then_draws_four_plots(qtbot, library, wav):
    from coach_app.ui.trends_view import EMPTY, TrendsView

    view = TrendsView(library)
    qtbot.addWidget(view)
    view.show()
    view.refresh()
    assert view.empty.isVisible() and view.empty.text() == EMPTY and not view.graphs.isVisible()
    save(library, wav, 10, 0.8, [("label_emotion", "missed")])
    view.refresh()
    assert view.empty.isVisible()  # one call is not a trend
    save(library, wav, 11, 1.2, [("label_emotion", "satisfied"), ("timeframe", "satisfied")])
    view.refresh()
    assert not view.empty.isVisible() and view.graphs.isVisible()
    assert len(view.plots) == 4
    gap = view.plots["gap"].listDataItems()[0]
    assert list(gap.yData) == [0.8, 1.2]
    emotions = view.plots["emotions"].listDataItems()[0].yData
    assert list(emotions) == [0.0, 100.0]
    timeframe = view.plots["timeframe"].listDataItems()[0].yData
    assert math.isnan(timeframe[0]) and timeframe[1] == 100.0  # a gap, not a zero
    assert all(view.plots[k].getAxis("left").labelText for k in view.plots)
    assert "2 calls" in view.heading.text()


def test_review_window_has_a_trends_tab(qtbot, library, wav):
    from coach_app.ui.review_window import ReviewWindow

    for day in (10, 11, 12):
        save(library, wav, day, 1.0, [])
    win = ReviewWindow(library, sd_module=NoOutput())
    qtbot.addWidget(win)
    win.tabs.setCurrentWidget(win.trends)
    assert len(win.trends.points) == 3


# --- the promises panel ---------------------------------------------------------------------------
def test_promises_panel_click_emits_the_seek_time(qtbot):
    from coach_app.ui.promises_panel import NONE_YET, PromisesPanel

    panel = PromisesPanel()
    qtbot.addWidget(panel)
    panel.show_promises([])
    assert panel.count() == 1 and panel.item(0).text() == NONE_YET
    panel.show_promises(call_promises([agent(3.5, "I will refund it by Friday at five pm."),
                                       agent(75.0, "You'll hear from us within two days.")]))
    assert panel.count() == 2 and panel.item(1).text().startswith("1:15")
    with qtbot.waitSignal(panel.seek_requested) as got:
        panel.itemClicked.emit(panel.item(1))
    assert got.args == [75.0]


def test_call_view_lists_the_calls_promises(qtbot, library, wav):
    from coach_app.ui.review_window import ReviewWindow

    lines = [Words("customer", 0.5, 2.0, "My card never came."),
             Words("agent", 2.5, 5.0, "I am sorry. A new card will be with you by Thursday.")]
    call_id = save(library, wav, 10, 1.0, [], lines)
    win = ReviewWindow(library, sd_module=NoOutput())
    qtbot.addWidget(win)
    assert win.open_call(call_id)
    panel = win.view.promises
    assert panel.count() == 1 and "thursday" in panel.item(0).text()
    panel.itemClicked.emit(panel.item(0))
    assert win.view.playback.position == pytest.approx(2.5)
