"""What the app does to the library when it starts: repair recordings a crash left behind, then
enforce the agent's retention setting. Returns plain sentences for the window's status line."""

from __future__ import annotations

import re
from datetime import datetime, timezone

from coach_app.settings import Settings
from coach_app.store.library import Library, RepairedCall

# Library.new_recording_path names files "YYYYmmdd-HHMMSS-xxxxxx.wav" in local time. An orphan
# recording (its row never written) gets a row stamped at repair time, so its name is the better clock.
_STAMP = re.compile(r"^(\d{8}-\d{6})-")


def on_start(library: Library, settings: Settings, now: datetime | None = None) -> list[str]:
    """Repair first (a crashed call becomes a normal one), then retention, so the order never keeps an
    expired call alive. `now` is for tests; sentences are in the order things happened."""
    repaired = library.startup_repair()
    removed = set(library.apply_retention(settings.retention_days, now=now))
    messages = [_repaired_sentence(library, r, now) for r in repaired if r.call_id not in removed]
    if removed:
        calls = "1 call" if len(removed) == 1 else f"{len(removed)} calls"
        days = "1 day" if settings.retention_days == 1 else f"{settings.retention_days} days"
        messages.append(f"Removed {calls} older than {days} (your retention setting).")
    return messages


def _repaired_sentence(library: Library, fixed: RepairedCall, now: datetime | None) -> str:
    when = _when(library, fixed, now)
    if fixed.status == "repaired":
        return f"Recovered the call from {when} that was interrupted: {_duration(fixed.duration)} kept."
    return (f"The call from {when} was interrupted and its recording could not be recovered; "
            "what was saved of its transcript is kept.")


def _when(library: Library, fixed: RepairedCall, now: datetime | None) -> str:
    started: datetime | None = None
    match = _STAMP.match(fixed.path.name)
    if match:
        try:
            started = datetime.strptime(match.group(1), "%Y%m%d-%H%M%S").astimezone()  # naive = local
        except ValueError:
            started = None
    if started is None:
        for row in library.db.query("SELECT started_at FROM calls WHERE id = ?", [fixed.call_id]):
            try:
                started = datetime.fromisoformat(row["started_at"]).astimezone()
            except (TypeError, ValueError):
                started = None
    if started is None:
        return "earlier"
    today = (now or datetime.now(timezone.utc)).astimezone().date()
    if started.date() == today:
        return started.strftime("%H:%M")
    return f"{started.day} {started.strftime('%b')} {started.strftime('%H:%M')}"


def _duration(seconds: float) -> str:
    total = int(round(seconds))
    minutes, secs = divmod(total, 60)
    if minutes and secs:
        return f"{minutes} min {secs} s"
    return f"{minutes} min" if minutes else f"{secs} s"


__all__ = ["on_start"]
