"""The single writer thread. The live worker hands it rows and never waits on SQLite (a commit can
take tens of ms on a busy disk, longer than an audio block); the queue is written in order, many
rows per transaction.

    writer = library.writer(on_error=...)       # started; its own connection, in its own thread
    call = writer.start_call(recording_path)    # returns at once; call.id arrives when written
    writer.add_events(call, events)             # as the engine produces them
    writer.finish_call(call, duration, summary)
    writer.close()                              # everything submitted is written
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Union

from sqlite_utils import Database

from coach_app.events import Event
from coach_app.store import StoreError, rows
from coach_app.store.db import open_db, write_tx

log = logging.getLogger(__name__)
Op = Callable[[Database], None]


class CallHandle:
    """A call whose row may not be written yet; ops queued after start_call see its id."""

    def __init__(self) -> None:
        self._id: int | None = None
        self._ready = threading.Event()

    @property
    def id(self) -> int | None:
        return self._id

    def wait_id(self, timeout: float | None = None) -> int:
        if not self._ready.wait(timeout) or self._id is None:
            raise StoreError("the call could not be saved in the library")
        return self._id

    def _require(self) -> int:
        if self._id is None:
            raise StoreError("the call's row was never written (see the earlier error)")
        return self._id


@dataclass
class _Flush:
    done: threading.Event


_STOP = None
_Item = Union[Op, _Flush, None]


class StoreWriter:
    def __init__(self, db_path: str | Path, root: Path, on_error: Callable[[Exception], None] | None = None,
                 max_batch: int = 500) -> None:
        """`on_error` runs in the writer thread: hand the message to the UI thread from there."""
        self.db_path = db_path
        self.root = root
        self.errors: list[Exception] = []
        self._on_error = on_error
        self._max_batch = max_batch
        self._queue: queue.SimpleQueue[_Item] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._opened = threading.Event()
        self._open_error: Exception | None = None
        self._new_in_batch: list[CallHandle] = []  # writer thread only

    def start(self) -> StoreWriter:
        """Opens the connection in the thread; raises here, at start, if the database cannot be opened."""
        self._thread = threading.Thread(target=self._run, name="coach-store-writer", daemon=True)
        self._thread.start()
        self._opened.wait()
        if self._open_error is not None:
            self._thread.join()
            raise StoreError(f"the library database cannot be opened: {self._open_error}") from self._open_error
        return self

    def submit(self, op: Op) -> None:
        """Queue a write; returns at once."""
        if self._thread is None or not self._thread.is_alive():
            raise StoreError("the library writer is not running")
        self._queue.put(op)

    def start_call(self, audio_path: Path, *, source: str = "live", title: str = "", language: str | None = None,
                   started_at: str | None = None) -> CallHandle:
        handle = CallHandle()
        stored = rows.stored_path(self.root, audio_path)

        def op(db: Database) -> None:
            try:
                handle._id = rows.insert_call(db, stored, title=title or audio_path.name, source=source,
                                              language=language, started_at=started_at)
                self._new_in_batch.append(handle)
            finally:
                handle._ready.set()

        self.submit(op)
        return handle

    def add_events(self, call: CallHandle, events: Iterable[Event]) -> None:
        batch = list(events)  # the caller may reuse its list
        if batch:
            self.submit(lambda db: rows.add_events(db, call._require(), batch))

    def pause(self, call: CallHandle, t: float) -> None:
        def op(db: Database) -> None:
            rows.add_pause(db, call._require(), t)

        self.submit(op)

    def resume(self, call: CallHandle, t: float) -> None:
        self.submit(lambda db: rows.end_pause(db, call._require(), t))

    def add_note(self, call: CallHandle, t: float, text: str, kind: str = "note") -> None:
        def op(db: Database) -> None:
            rows.add_note(db, call._require(), t, text, kind)

        self.submit(op)

    def finish_call(self, call: CallHandle, duration: float, summary: dict[str, Any] | None) -> None:
        self.submit(lambda db: rows.finish_call(db, call._require(), duration, summary))

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until everything submitted so far is committed; False on timeout."""
        done = threading.Event()
        self._queue.put(_Flush(done))
        return done.wait(timeout)

    def close(self, timeout: float | None = 10.0) -> None:
        if self._thread is not None and self._thread.is_alive():
            self._queue.put(_STOP)
            self._thread.join(timeout)
        self._thread = None

    def __enter__(self) -> StoreWriter:
        return self.start() if self._thread is None else self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _run(self) -> None:
        try:
            db = open_db(self.db_path)
        except Exception as exc:  # reported by start()
            self._open_error = exc
            self._opened.set()
            return
        self._opened.set()
        try:
            stop = False
            while not stop:
                batch = [self._queue.get()]
                while len(batch) < self._max_batch:
                    try:
                        batch.append(self._queue.get_nowait())
                    except queue.Empty:
                        break
                stop = self._write(db, batch)
        finally:
            db.close()

    def _write(self, db: Database, batch: list[_Item]) -> bool:
        stop, flushes = False, []
        try:
            with write_tx(db):
                for item in batch:
                    if item is _STOP:
                        stop = True
                    elif isinstance(item, _Flush):
                        flushes.append(item)
                    elif callable(item):
                        try:
                            with db.atomic():  # a savepoint: one bad op does not lose the batch
                                item(db)
                        except Exception as exc:
                            self._report(exc)
        except Exception as exc:  # the commit itself failed (disk full, I/O error)
            for handle in self._new_in_batch:
                handle._id = None  # its row was rolled back: later ops must not use a stale id
            self._report(exc)
        self._new_in_batch.clear()
        for flush in flushes:  # only after the commit: flush() promises the rows are committed
            flush.done.set()
        return stop

    def _report(self, exc: Exception) -> None:
        self.errors.append(exc)
        log.warning("library write failed: %s", exc)
        if self._on_error is not None:
            try:
                self._on_error(exc)
            except Exception:
                log.exception("on_error callback failed")
