"""A recogniser in a child process, for live calls.

PocketSphinx holds Python's GIL while it decodes (end_utt of a 20 s utterance: ~0.4 s), which
froze the live window for that long. Here the engine thread only waits on a pipe (GIL released)
while the child decodes, so the window keeps painting. Same decoder, same input: same words.
"""

from __future__ import annotations

import multiprocessing as mp
from multiprocessing.connection import Connection
from typing import Any

from coach_app.events import Word

_CTX = mp.get_context("spawn")  # never fork a process that runs Qt and audio threads


BATCH_BYTES = 3200  # 100 ms of 16 kHz int16: fewer, larger messages cost the parent less CPU


def _serve(conn: Connection, factory: Any) -> None:
    rec = factory.create()
    conn.send("ready")  # the model is loaded: the parent counts as ready only now
    while True:
        try:
            op, arg = conn.recv()
        except EOFError:  # the parent let go of this recogniser
            return
        if op == "feed":
            for pcm in arg:  # block by block, exactly as the in-process engine feeds (same words)
                rec.feed(pcm)
        elif op == "start":
            rec.start(arg)
        elif op == "partial":
            conn.send(rec.partial())
        elif op == "end":
            conn.send(rec.end())


class IsolatedRecogniser:
    def __init__(self, factory: Any):
        self._conn, child = _CTX.Pipe()
        self._proc = _CTX.Process(target=_serve, args=(child, factory), daemon=True, name="recogniser")
        self._proc.start()
        child.close()
        self._pending: list[bytes] = []
        self._pending_bytes = 0
        if self._conn.recv() != "ready":  # EOFError here: the child could not load its model
            raise RuntimeError("the recogniser process did not start")

    def start(self, t0: float) -> None:
        self._conn.send(("start", t0))

    def feed(self, pcm: bytes) -> None:
        self._pending.append(pcm)
        self._pending_bytes += len(pcm)
        if self._pending_bytes >= BATCH_BYTES:
            self._flush()

    def partial(self) -> list[Word]:
        self._flush()
        self._conn.send(("partial", None))
        return self._conn.recv()

    def end(self) -> list[Word]:
        self._flush()
        self._conn.send(("end", None))
        return self._conn.recv()

    def _flush(self) -> None:
        if self._pending:
            self._conn.send(("feed", self._pending))
            self._pending, self._pending_bytes = [], 0

    def close(self) -> None:
        self._conn.close()
        self._proc.join(timeout=2)

    def __del__(self) -> None:
        try:
            self._conn.close()
        except Exception:
            pass


class IsolatedFactory:
    """Wraps a picklable factory: each `create()` starts one child process."""

    def __init__(self, inner: Any):
        self.inner = inner
        self.name = inner.name

    def create(self) -> IsolatedRecogniser:
        return IsolatedRecogniser(self.inner)

    def for_live(self) -> IsolatedFactory:
        return self
