"""Start the desktop app: gather what is ready (devices, engine, settings), open the window."""

from __future__ import annotations

import sys

from coach_app import paths
from coach_app.asr.base import ModelMissing
from coach_app.asr.select import choose_engine
from coach_app.audio.capture import input_devices
from coach_app.settings import Settings, SettingsError, load_settings


def run_app(engine: str = "auto", exit_after: float | None = None, screenshot: str | None = None, open_file: str | None = None) -> int:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from coach_app.store import StoreError
    from coach_app.store.startup import on_start
    from coach_app.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    try:
        settings = load_settings(paths.settings_file())
        problem = ""
    except SettingsError as exc:
        settings, problem = Settings(), f"Settings ignored: {exc}"
    try:
        choice, engine_problem = choose_engine(engine, settings.language, paths.models_dir(), settings.hints), ""
    except ModelMissing as exc:
        choice, engine_problem = None, str(exc)
    window = MainWindow(settings, choice, engine_problem, input_devices())
    try:  # repair what a crash left, then enforce retention, before the agent sees the window
        notes = on_start(window.library(), settings)
    except StoreError as exc:  # e.g. another instance holds the library: the window still opens
        notes = [f"Your library cannot be opened: {exc}"]
    if problem:
        notes.insert(0, problem)
    if notes:
        window.status.setText("\n".join(notes))
    window.show()
    if open_file:
        window.analyze(open_file)
    if exit_after is not None:
        def finish() -> None:
            if screenshot:
                window.grab().save(screenshot)
            app.quit()

        QTimer.singleShot(int(exit_after * 1000), finish)
    return app.exec()
