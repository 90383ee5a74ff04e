"""The demo: a recorded call played through the same LiveSession a headset would feed."""

from __future__ import annotations

import sys
from typing import Any

import soundfile as sf

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from coach_app import paths
from coach_app.asr.base import ModelMissing
from coach_app.asr.select import Choice, choose_engine
from coach_app.audio.capture import output_device
from coach_app.live import FileSource
from coach_app.settings import Settings, SettingsError, load_settings
from coach_app.synth.demo_call import demo_wav
from coach_app.ui.coach_overlay import CoachOverlay
from coach_app.ui.live_controller import LiveController


def open_demo(file: str | None, choice: Choice, settings: Settings, realtime: bool = True,
              sd_module: Any = None) -> LiveController:
    """Start playing `file` (default: the bundled call) through the live coach; the overlay shows at once.
    Raises AudioFileError / FliteMissing with words for the agent."""
    source = FileSource(file or demo_wav(), realtime=realtime)
    overlay = CoachOverlay(choice.factory.name, settings.fatigue)
    overlay.setWindowTitle(f"coach_app — demo: {source.call.path.name}")
    overlay.set_recording(False, "demo — not recorded")
    overlay.rec_button.hide()
    controller = LiveController(source.session(settings, choice.factory.for_live()), overlay, source.done)
    overlay.show()
    controller.start()
    if realtime:
        _play_along(source, controller, sd_module)
    return controller


def _play_along(source: FileSource, controller: LiveController, sd_module: Any = None) -> None:
    """Through the speakers too, when there are any: the demo is for people without a headset."""
    sd, problem = output_device(sd_module)
    if sd is None:
        controller.note = f"{problem} The demo runs silently; the coach works the same."
        return
    try:
        audio, rate = sf.read(str(source.call.path), dtype="int16", always_2d=True)
        sd.play(audio, rate)
        controller.finished.connect(sd.stop)
    except Exception as exc:  # a speaker that refuses the rate: the demo still runs, silently
        controller.note = f"Cannot play the call aloud ({exc}); the coach works the same."


def run_demo(file: str | None, engine: str = "auto", realtime: bool = True, exit_after: float | None = None,
             screenshot: str | None = None) -> int:
    try:
        settings = load_settings(paths.settings_file())
    except SettingsError as exc:
        print(f"note: {exc}; using defaults", file=sys.stderr)
        settings = Settings()
    try:
        choice = choose_engine(engine, settings.language, paths.models_dir(), settings.hints)
    except ModelMissing as exc:
        print(f"coach-app demo: {exc}", file=sys.stderr)
        return 2
    app = QApplication.instance() or QApplication(sys.argv[:1])
    controller = open_demo(file, choice, settings, realtime)
    if exit_after is not None:
        def finish() -> None:
            if screenshot:
                controller.overlay.grab().save(screenshot)
            controller.stop()
            app.quit()

        QTimer.singleShot(int(exit_after * 1000), finish)
    else:
        controller.finished.connect(lambda: QTimer.singleShot(8000, app.quit))
    code = app.exec()
    controller.stop()
    return code
