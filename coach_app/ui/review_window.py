"""Review: the agent's own calls, one list and one call at a time. Nothing here leaves the computer."""

from __future__ import annotations

import sqlite3
import sys
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow, QMenu, QStackedWidget, QTabWidget, QToolButton

from coach_app.practice.drill import LABELS, DrillError, Moment, drill_from_call, drillable
from coach_app.settings import Settings
from coach_app.store import StoreError
from coach_app.store.library import Library
from coach_app.ui.call_list import CallList
from coach_app.ui.call_view import CallView
from coach_app.ui.trends_view import TrendsView


class ReviewWindow(QMainWindow):
    def __init__(self, library: Library, sd_module=None, settings: Settings | None = None):
        super().__init__()
        self.library, self._sd_module = library, sd_module
        self.settings = settings or Settings()
        self.practice: Any = None  # the practice window a drill opened (imported when first needed)
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
        self.drill_button = QToolButton()  # a missed moment of this call -> a one-minute drill
        self.drill_button.setText("Practise a missed moment \u25be")
        self.drill_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.drill_button.setMenu(QMenu(self.drill_button))
        self.drill_button.setVisible(False)
        self.tabs.setCornerWidget(self.drill_button, Qt.Corner.TopRightCorner)
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
        self._offer_drills(call_id)
        self.stack.setCurrentWidget(self.view)
        self.setWindowTitle(f"coach_app \u2014 review: {detail.call.title or 'call'}")
        return True

    def open_latest(self) -> bool:
        """The most recent call, if there is one."""
        latest = self.library.list_calls(limit=1)
        return bool(latest) and self.open_call(latest[0].id)

    def _offer_drills(self, call_id: int) -> None:
        menu = self.drill_button.menu()
        menu.clear()
        try:
            moments = drillable(self.library, call_id)
        except DrillError:
            moments = []
        for m in moments:
            minutes, seconds = divmod(int(m.t), 60)
            said = f"\u201c{_short(m.customer)}\u201d" if m.customer else "(no customer words recognised)"
            action = menu.addAction(f"{minutes}:{seconds:02d}  {LABELS[m.kind]} \u2014 {said}")
            action.setEnabled(bool(m.customer))
            action.triggered.connect(lambda _c=False, m=m, cid=call_id: self.drill(cid, m))
        self.drill_button.setVisible(bool(moments))

    def drill(self, call_id: int, moment: Moment | int | None = None) -> bool:
        """Open the practice window on a drill of this moment: the customer's words in a synthesised
        voice (never the real customer's), answered and scored like any scenario."""
        from coach_app.ui.practice_window import PracticeWindow  # Qt-heavy; only when a drill is wanted

        try:
            scenario = drill_from_call(self.library, call_id, moment)
        except DrillError as exc:
            self.statusBar().showMessage(str(exc), 10000)
            return False
        self.practice = PracticeWindow(self.settings, "sphinx", self.library, sd_module=self._sd_module)
        self.practice.add_scenario(scenario)
        self.practice.show()
        return True

    def show_list(self) -> None:
        self.drill_button.setVisible(False)
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


def _short(text: str, words: int = 9) -> str:
    parts = text.split()
    return " ".join(parts[-words:]) if len(parts) <= words else "\u2026 " + " ".join(parts[-words:])


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
