"""'Promises I made': the concrete times the agent committed to in this call; click one to hear it."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

from coach_app.report.promises import Promise

NONE_YET = "No concrete times promised in this call."


def _mmss(t: float) -> str:  # call_view has one too, but importing it would tie this panel to the player
    return f"{int(t // 60)}:{int(t % 60):02d}"


class PromisesPanel(QListWidget):
    seek_requested = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.itemClicked.connect(self._clicked)

    def show_promises(self, found: list[Promise]) -> None:
        self.clear()
        for p in found:
            item = QListWidgetItem(f"{_mmss(p.t)}   {p.when}  \u2014  \u201c{p.text}\u201d")
            item.setData(Qt.ItemDataRole.UserRole, p.t)
            item.setToolTip("Click: play from here")
            self.addItem(item)
        if not found:
            item = QListWidgetItem(NONE_YET)
            item.setForeground(QColor("#777"))
            item.setFlags(Qt.ItemFlag.NoItemFlags)  # a message, not a time to seek to
            self.addItem(item)

    def _clicked(self, item: QListWidgetItem) -> None:
        t = item.data(Qt.ItemDataRole.UserRole)
        if t is not None:
            self.seek_requested.emit(float(t))


__all__ = ["NONE_YET", "PromisesPanel"]
