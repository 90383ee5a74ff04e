"""The live overlay (pytest-qt, offscreen): countdown, one nudge at a time, fading, feedback buttons."""

from __future__ import annotations

import pytest

from coach_app.events import ListeningWindow, Nudge, NudgeResolved, SpeechStarted
from coach_app.ui.coach_overlay import CoachOverlay


def nudge(kind="pause", t=10.6, priority=60, i=1):
    return Nudge(f"{kind}-{i}", kind, t, f"{kind} message", f"{kind} suggestion", {}, priority)


@pytest.fixture
def overlay(qtbot):
    o = CoachOverlay("pocketsphinx (bundled en-us)")
    qtbot.addWidget(o)
    o.show()
    return o


def test_countdown_runs_when_the_customer_stops_and_ends_when_the_agent_speaks(overlay):
    overlay.apply([ListeningWindow(10.0, 12.0)])
    overlay.tick(10.2)
    assert overlay.countdown.text() == "Listen… 2"
    overlay.tick(11.3)
    assert overlay.countdown.text() == "Listen… 1"
    overlay.tick(12.1)
    assert overlay.countdown.text() == "Your turn ▶"
    overlay.apply([ListeningWindow(20.0, 22.0), SpeechStarted("agent", 20.5)])
    overlay.tick(20.6)
    assert overlay.countdown.text() == ""


def test_pause_nudge_shows_then_fades(overlay):
    overlay.apply([nudge()])
    overlay.tick(10.7)
    assert overlay.card.isVisible() and "pause message" in overlay.title.text()
    overlay.tick(10.6 + overlay.arbiter.display_s + 0.1)
    assert not overlay.card.isVisible()


def test_one_nudge_at_a_time_by_priority(overlay):
    overlay.apply([nudge("pause", 10.0, 60), nudge("label_emotion", 10.2, 80)])
    overlay.tick(10.3)
    assert "label_emotion" in overlay.title.text()


def test_satisfied_flashes_a_quiet_tick(overlay):
    overlay.apply([nudge("label_emotion", 5.0, 80), NudgeResolved("label_emotion-1", 6.0, "satisfied")])
    overlay.tick(6.2)
    assert not overlay.card.isVisible() and "✓" in overlay.tick_label.text()
    overlay.tick(9.0)
    assert overlay.tick_label.text() == ""


@pytest.mark.parametrize("button, action", [("dismiss_button", "dismissed"), ("snooze_button", "snoozed"),
                                            ("unhelpful_button", "not_helpful")])
def test_feedback_buttons(overlay, qtbot, button, action):
    overlay.apply([nudge()])
    overlay.tick(10.7)
    with qtbot.waitSignal(overlay.feedback) as signal:
        getattr(overlay, button).click()
    assert signal.args == ["pause-1", "pause", action]
    assert not overlay.card.isVisible()
    overlay.apply([nudge(t=40.0, i=2)])
    overlay.tick(40.1)
    assert overlay.card.isVisible() == (action != "snoozed")  # snooze: no more of this kind this call


def test_never_takes_keyboard_focus(overlay):
    from PySide6.QtCore import Qt

    flags = overlay.windowFlags()
    assert flags & Qt.WindowType.WindowDoesNotAcceptFocus and flags & Qt.WindowType.WindowStaysOnTopHint
    assert overlay.testAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)


def test_plain_words_for_device_trouble(overlay):
    overlay.set_message("Customer side: device lost. Reconnecting…")
    assert overlay.message_label.isVisible() and "device lost" in overlay.message_label.text()
    overlay.set_message("")
    assert not overlay.message_label.isVisible()
