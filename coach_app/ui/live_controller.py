"""Connects a LiveSession (worker thread, Qt-free) to the overlay: a short QTimer in the GUI thread
drains the session's events, so no Qt code ever runs in the audio or engine threads."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from coach_app.live import LiveSession
from coach_app.ui.coach_overlay import CoachOverlay

DRAIN_MS = 40


class LiveController(QObject):
    finished = Signal()  # the session stopped (file played out, or the agent ended the call)

    def __init__(self, session: LiveSession, overlay: CoachOverlay, source_done=None):
        super().__init__()
        self.session, self.overlay = session, overlay
        self._source_done = source_done  # threading.Event for file playback
        self._timer = QTimer(self)
        self._timer.setInterval(DRAIN_MS)
        self._timer.timeout.connect(self._drain)
        overlay.start_stop.connect(self.stop)

    def start(self) -> None:
        self.session.start()
        self._timer.start()

    def stop(self) -> None:
        if not self._timer.isActive():
            return
        self._timer.stop()
        self.session.stop()  # joins the worker and finishes the call: the closing events are still queued
        self.overlay.apply(self.session.poll_events())
        self.overlay.call_button.setEnabled(False)
        self.finished.emit()

    def _drain(self) -> None:
        self.overlay.apply(self.session.poll_events())
        stats = self.session.stats()
        self.overlay.tick(stats.seconds)
        self.overlay.set_levels(*self.session.levels())
        problems = [p for p in (stats.message if stats.state.name != "RUNNING" else "", stats.error) if p]
        if stats.dropped_blocks:
            problems.append(f"{stats.dropped_blocks} audio blocks dropped (computer busy?)")
        self.overlay.set_message("  ".join(problems))
        if self._source_done is not None and self._source_done.is_set() and self.session.capture.backlog() == 0:
            self.stop()
