"""One live call kept in the library as it happens: audio to a crash-safe WAV, rows through the
writer thread. The recorder starts before the model loads, so no speech is lost; nothing here can
make the live worker wait on SQLite."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from coach_app.events import Event
from coach_app.report.summary import summarize
from coach_app.store import rows
from coach_app.store.library import Library
from coach_app.store.recorder import WavRecorder
from coach_app.store.writer import CallHandle, StoreWriter


class CallRecording:
    def __init__(self, library: Library, language: str, source: str = "live"):
        self.library = library
        self.path = library.new_recording_path()
        self.recorder = WavRecorder(self.path)
        self.writer: StoreWriter = library.writer()
        self.handle: CallHandle = self.writer.start_call(self.path, source=source, language=language)
        self.events: list[Event] = []
        self.problem = ""  # e.g. disk full: the window shows it; what was recorded is kept

    def write(self, frames: np.ndarray) -> None:
        """Every (n, 2) block, from the live worker thread."""
        self.recorder.write(frames)

    def add_events(self, events: Iterable[Event]) -> None:
        batch = list(events)
        self.events += batch
        self.writer.add_events(self.handle, batch)

    def pause(self) -> float:
        t = self.recorder.pause()
        self.writer.pause(self.handle, t)
        return t

    def resume(self) -> float:
        t = self.recorder.resume()
        self.writer.resume(self.handle, t)
        return t

    @property
    def paused(self) -> bool:
        return self.recorder.paused

    def feedback(self, nudge_id: str, action: str) -> None:
        """The agent's own mark on a nudge (dismissed / snoozed / not_helpful), kept for the review."""
        handle = self.handle
        self.writer.submit(lambda db: rows.set_nudge_feedback(db, handle._require(), nudge_id, action))

    def finish(self, engine_name: str) -> int:
        duration = self.recorder.close() if not self.recorder.closed else self.recorder.t
        summary = summarize(self.events, duration, engine_name, 0.0, mono=False)
        self.writer.finish_call(self.handle, duration, summary)
        self.writer.close()
        return self.handle.wait_id(5.0)
