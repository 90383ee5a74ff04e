"""Review: the agent's own calls, one list and one call at a time. Nothing here leaves the computer."""

from __future__ import annotations

import sqlite3
import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow, QStackedWidget, QTabWidget

from coach_app.store import StoreError
from coach_app.store.library import Library
from coach_app.ui.call_list import CallList
from coach_app.ui.call_view import CallView
from coach_app.ui.trends_view import TrendsView


class ReviewWindow(QMainWindow):
    def __init__(self, library: Library, sd_module=None):
        super().__init__()
        self.library = library
        self.setWindowTitle("coach_app \u2014 review your calls")
        self.resize(1280, 820)
        self.calls = CallList(library)
        self.view = CallView(library, sd_module)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.calls)
        self.stack.addWidget(self.view)
        self.trends = TrendsView(library)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.stack, "Calls")
        self.tabs.addTab(self.trends, "Trends")
        self.tabs.currentChanged.connect(lambda i: self.trends.refresh() if i == 1 else None)  # drawn when looked at
        self.setCentralWidget(self.tabs)
        self.calls.open_requested.connect(self.open_call)
        self.calls.deleted.connect(self._deleted)
        self.view.back_requested.connect(self.show_list)

    def open_call(self, call_id: int) -> bool:
        try:
            detail = self.library.call_detail(call_id)
        except (StoreError, sqlite3.Error) as exc:
            self.calls.status.setText(f"The call cannot be opened: {exc}")
            return False
        self.view.show_call(detail)
        self.stack.setCurrentWidget(self.view)
        self.setWindowTitle(f"coach_app \u2014 review: {detail.call.title or 'call'}")
        return True

    def open_latest(self) -> bool:
        """The most recent call, if there is one."""
        latest = self.library.list_calls(limit=1)
        return bool(latest) and self.open_call(latest[0].id)

    def show_list(self) -> None:
        self.view.close_call()
        self.calls.refresh()
        self.stack.setCurrentWidget(self.calls)
        self.setWindowTitle("coach_app \u2014 review your calls")

    def _deleted(self, call_id: int) -> None:
        if self.view.detail is not None and self.view.detail.call.id == call_id:
            self.view.close_call()
            self.view.detail = None

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt name)
        self.view.close_call()
        super().closeEvent(event)


def run_review(library: Library, exit_after: float | None = None, screenshot: str | None = None) -> int:
    """The window on the most recent call; the caller owns (and closes) the library."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    window = ReviewWindow(library)
    if not window.open_latest():
        print("coach-app review: there are no calls in your library yet. They appear after a live call, "
              "or import one with: coach-app analyze CALL.wav --save")
    window.show()
    if exit_after is not None:
        def finish() -> None:
            if screenshot:
                window.grab().save(screenshot)
            window.close()
            app.quit()

        QTimer.singleShot(int(exit_after * 1000), finish)
    return app.exec()
