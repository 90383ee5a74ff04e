"""A live practice run: the trainee answers into the microphone, the simulated customer speaks its
lines, and the live overlay coaches exactly as on a real call (it is the same LiveSession, overlay
and controller; only the Capture is replaced by a SimulatedCustomer). Recorded into the library as a
call, so the trainee can replay it in the review window.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal

from coach_app.asr.base import RecogniserFactory
from coach_app.audio import SAMPLE_RATE
from coach_app.audio.capture import Capture, CaptureConfig, output_device
from coach_app.live import LiveSession
from coach_app.practice.live_run import Mic, Player, SimulatedCustomer
from coach_app.practice.scenario import Scenario
from coach_app.practice.session import Scorecard, score
from coach_app.settings import Settings
from coach_app.store.call_recording import CallRecording
from coach_app.store.library import Library
from coach_app.ui.coach_overlay import CoachOverlay
from coach_app.ui.live_controller import LiveController


def microphone(settings: Settings, sd_module: Any = None) -> Capture:
    """The agent's chosen input (the headset mic of the device picker), on its own."""
    c = settings.capture
    return Capture(CaptureConfig(agent_device=c.agent_device or None, agent_channel=c.agent_channel, mic_only=True),
                   sd_module=sd_module)


def speaker(sd_module: Any = None) -> tuple[Player | None, str]:
    """A player for the customer's lines, or None and the reason in plain words."""
    sd, problem = output_device(sd_module)
    if problem:
        return None, f"{problem} Read the customer's lines on screen."
    return (lambda audio: sd.play(np.asarray(audio, np.float32), SAMPLE_RATE)), ""


class PracticeLiveRun(QObject):
    finished = Signal()  # the run is over (last answer given, or stopped); `card` is set

    def __init__(self, scenario: Scenario, lines: list[np.ndarray], settings: Settings, recognisers: RecogniserFactory,
                 engine_name: str, mic: Mic, play: Player | None, library: Library | None = None):
        super().__init__()
        self.scenario = scenario
        self.customer = SimulatedCustomer(mic, lines, settings.vad, play)
        attach = getattr(mic, "attach", None)
        if attach is not None:  # a scripted trainee listens to the customer, as a person would
            attach(self.customer)
        self.recording = CallRecording(library, scenario.language, source="practice") if library else None
        session = LiveSession(self.customer, settings, recognisers,
                              recorder=self.recording.write if self.recording else None)
        self.overlay = CoachOverlay(engine_name, settings.fatigue)
        self.overlay.call_button.setText("Stop practice")
        self.controller = LiveController(session, self.overlay, source_done=self.customer.done,
                                         recording=self.recording)
        self.controller.finished.connect(self._finished)
        self.card: Scorecard | None = None

    def start(self) -> None:
        self.overlay.show()
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()

    def skip(self) -> None:
        self.customer.skip()

    @property
    def running(self) -> bool:
        return self.card is None

    @property
    def call_id(self) -> int | None:
        return self.controller.call_id

    def _finished(self) -> None:
        self.card = score(self.scenario, self.customer.spans, self.controller.session.events)
        self.overlay.close()
        self.finished.emit()


__all__ = ["PracticeLiveRun", "microphone", "speaker"]
