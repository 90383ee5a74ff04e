"""A real call: the agent's devices through the live coach, recorded privately into the library."""

from __future__ import annotations

from typing import Any

from coach_app.asr.select import Choice
from coach_app.audio.capture import Capture, CaptureConfig
from coach_app.live import LiveSession
from coach_app.prompts.adaptation import quieter
from coach_app.settings import CaptureSettings, Settings
from coach_app.store.call_recording import CallRecording
from coach_app.store.library import Library, default_root
from coach_app.ui.coach_overlay import CoachOverlay
from coach_app.ui.live_controller import LiveController


def capture_config(c: CaptureSettings) -> CaptureConfig:
    return CaptureConfig(agent_device=c.agent_device or None, customer_device=c.customer_device or None,
                         agent_channel=c.agent_channel,
                         customer_channel=None if c.customer_channel < 0 else c.customer_channel)


def open_live_call(settings: Settings, choice: Choice, library: Library | None = None,
                   sd_module: Any = None) -> LiveController:
    """Start capturing, coaching and recording. Raises StoreError (e.g. the library is open in
    another window) before anything is captured."""
    library = library or Library(default_root())
    settings, learnt = quieter(settings, library.not_helpful_counts(settings.fatigue.feedback_calls))
    recording = CallRecording(library, settings.language)
    capture = Capture(capture_config(settings.capture), sd_module=sd_module)
    session = LiveSession(capture, settings, choice.factory.for_live(), recorder=recording.write)
    overlay = CoachOverlay(choice.factory.name, settings.fatigue)
    controller = LiveController(session, overlay, recording=recording)
    if learnt:
        controller.note = "Quieter for you: " + ", ".join(learnt) + " (coach-app settings shows why)"
    overlay.show()
    controller.start()
    return controller
