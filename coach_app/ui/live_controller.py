"""Connects a LiveSession (worker thread, Qt-free) to the overlay: a short QTimer in the GUI thread
drains the session's events, so no Qt code ever runs in the audio or engine threads."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from coach_app.live import LiveSession
from coach_app.store.call_recording import CallRecording
from coach_app.ui.coach_overlay import CoachOverlay

DRAIN_MS = 40


class LiveController(QObject):
    finished = Signal()  # the session stopped (file played out, or the agent ended the call)

    def __init__(self, session: LiveSession, overlay: CoachOverlay, source_done=None,
                 recording: CallRecording | None = None):
        super().__init__()
        self.session, self.overlay, self.recording = session, overlay, recording
        self.call_id: int | None = None  # the library's id once a recorded call is finished
        self.note = ""  # a standing line for the agent (e.g. "the demo runs silently"), shown with any problem
        self._source_done = source_done  # threading.Event for file playback
        self._timer = QTimer(self)
        self._timer.setInterval(DRAIN_MS)
        self._timer.timeout.connect(self._drain)
        overlay.start_stop.connect(self.stop)
        if recording is not None:
            overlay.set_recording(True)
            overlay.pause_recording.connect(self._toggle_recording)
            overlay.feedback.connect(lambda nudge_id, kind, action: recording.feedback(nudge_id, action))

    def start(self) -> None:
        self.session.start()
        self._timer.start()

    def stop(self) -> None:
        if not self._timer.isActive():
            return
        self._timer.stop()
        self.session.stop()  # joins the worker and finishes the call: the closing events are still queued
        self._deliver(self.session.poll_events())
        self.overlay.call_button.setEnabled(False)
        if self.recording is not None:
            self.call_id = self.recording.finish(self.session.stats().engine)
            self.overlay.set_recording(False, f"saved to your library (call {self.call_id})")
        self.finished.emit()

    def _deliver(self, events: list) -> None:
        self.overlay.apply(events)
        if self.recording is not None and events:
            self.recording.add_events(events)

    def _toggle_recording(self) -> None:
        """A private moment: silence is recorded (the call keeps its timeline) and a marker kept."""
        assert self.recording is not None
        self.recording.resume() if self.recording.paused else self.recording.pause()
        self.overlay.set_recording(not self.recording.paused)

    def _drain(self) -> None:
        self._deliver(self.session.poll_events())
        stats = self.session.stats()
        self.overlay.tick(stats.seconds)
        self.overlay.set_levels(*self.session.levels())
        problems = [p for p in (stats.message if stats.state.name != "RUNNING" else "", stats.error) if p]
        if stats.dropped_blocks:
            problems.append(f"{stats.dropped_blocks} audio blocks dropped (computer busy?)")
        self.overlay.set_message("  ".join(p for p in (self.note, *problems) if p))
        if self._source_done is not None and self._source_done.is_set() and self.session.capture.backlog() == 0:
            self.stop()
