"""The agent's calls: metrics per call, sortable, searchable by what was said; open, export, delete."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView, QFileDialog, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QMessageBox, QPushButton,
    QTableView, QVBoxLayout, QWidget,
)

from coach_app.store import StoreError
from coach_app.store.library import CallRow, Library
from coach_app.ui.call_view import mmss, when
from coach_app.ui.waveform_lanes import DONE, MARKS, mark

COLUMNS = ("Date", "Call", "Length", "Missed", "Done", "Response gap", "You talk")
ORDER = list(MARKS)


def counts(row: CallRow, done: bool) -> list[tuple[str, int]]:
    """[(kind, n)] of missed (or done) nudges, in the order the rules are listed."""
    found: dict[str, int] = {}
    for kind, outcomes in row.nudge_counts.items():
        n = sum(k for outcome, k in outcomes.items() if (outcome in DONE) == done and outcome != "pending")
        if n:
            found[kind] = n
    return sorted(found.items(), key=lambda kv: ORDER.index(kv[0]) if kv[0] in ORDER else len(ORDER))


def compact(pairs: list[tuple[str, int]]) -> str:
    return " ".join(f"{mark(kind)[0]}{n}" for kind, n in pairs) or "\u2013"


def _last(value: float | None) -> tuple[bool, float]:
    return (value is None, value or 0.0)  # calls without the figure sort after the others


SORT_KEYS = (
    lambda r: r.started_at,
    lambda r: r.title.lower(),
    lambda r: r.duration,
    lambda r: sum(n for _, n in counts(r, False)),
    lambda r: sum(n for _, n in counts(r, True)),
    lambda r: _last(r.median_response_gap),
    lambda r: _last(r.talk_ratio),
)


class CallTableModel(QAbstractTableModel):
    """Rows are computed when shown and sorted in Python: 10,000 calls stay quick."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows: list[CallRow] = []
        self._sort = (0, Qt.SortOrder.DescendingOrder)

    def set_rows(self, rows: list[CallRow]) -> None:
        self.beginResetModel()
        self.rows = rows
        self._sorted()
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802 (Qt names)
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        if role == Qt.ItemDataRole.ToolTipRole and section in (3, 4):
            return "Nudges per kind: " + ", ".join(f"{letter} {word}" for letter, _, word, _ in MARKS.values())
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        row, col = self.rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, col)
        if role == Qt.ItemDataRole.ToolTipRole and col in (3, 4):
            pairs = counts(row, col == 4)
            return "\n".join(f"{mark(k)[0]} {mark(k)[3]}: {n}" for k, n in pairs) or None
        if role == Qt.ItemDataRole.ForegroundRole and col == 3 and counts(row, False):
            return QColor("#b03a2e")
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (2, 5, 6):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:
        self.layoutAboutToBeChanged.emit()
        self._sort = (column, order)
        self._sorted()
        self.layoutChanged.emit()

    def _sorted(self) -> None:
        column, order = self._sort
        self.rows.sort(key=SORT_KEYS[column], reverse=order == Qt.SortOrder.DescendingOrder)

    @staticmethod
    def _text(row: CallRow, col: int) -> str:
        if col == 0:
            return when(row.started_at)
        if col == 1:
            return row.title + ("" if row.status == "complete" else f"  ({row.status})")
        if col == 2:
            return mmss(row.duration)
        if col in (3, 4):
            return compact(counts(row, col == 4))
        if col == 5:
            return "\u2013" if row.median_response_gap is None else f"{row.median_response_gap:.1f} s"
        return "\u2013" if row.talk_ratio is None else f"{row.talk_ratio:.0%}"


class CallList(QWidget):
    open_requested = Signal(int)
    deleted = Signal(int)

    def __init__(self, library: Library, parent=None):
        super().__init__(parent)
        self.library = library
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search what was said in your calls\u2026")
        self.search.setClearButtonEnabled(True)
        self.count_label = QLabel("")
        self.model = CallTableModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setResizeContentsPrecision(100)  # size columns from ~100 rows, not all (10,000 calls)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.empty = QLabel("")
        self.empty.setWordWrap(True)
        self.empty.setStyleSheet("font-size: 14px; color: #444; padding: 12px;")
        self.open_button = QPushButton("Open")
        self.export_button = QPushButton("Export\u2026")
        self.export_button.setToolTip("Copy this call's audio, transcript and notes to a folder you choose")
        self.delete_button = QPushButton("Delete\u2026")
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self._debounce = QTimer(self, singleShot=True, interval=250)  # search after typing pauses

        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.count_label)
        buttons = QHBoxLayout()
        for b in (self.open_button, self.export_button, self.delete_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(QLabel("Private: your calls stay on this computer."))
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.empty)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.status)

        self.search.textChanged.connect(lambda: self._debounce.start())
        self._debounce.timeout.connect(self.refresh)
        self.table.doubleClicked.connect(lambda index: self.open_requested.emit(self.model.rows[index.row()].id))
        self.table.selectionModel().selectionChanged.connect(self._enable)
        self.open_button.clicked.connect(self._open_selected)
        self.export_button.clicked.connect(lambda: self.export_selected())
        self.delete_button.clicked.connect(lambda: self.delete_selected())
        self.refresh()

    def refresh(self) -> None:
        phrase = self.search.text().strip()
        try:
            rows = self.library.list_calls(search=phrase or None)
        except (StoreError, sqlite3.Error) as exc:
            self.status.setText(f"The calls cannot be listed: {exc}")
            return
        self.model.set_rows(rows)
        if rows:
            self.table.selectRow(0)
        hint = " \u00b7 double-click one to open it" if rows else ""
        self.count_label.setText(f"{len(rows)} call{'s' if len(rows) != 1 else ''}{hint}")
        if not rows and phrase:
            self.empty.setText(f"No call mentions \u201c{phrase}\u201d.")
        elif not rows:
            self.empty.setText("No calls yet. Your calls appear here after a live call, or import a recording "
                               "with: coach-app analyze CALL.wav --save")
        self.empty.setVisible(not rows)
        self._enable()

    def selected(self) -> CallRow | None:
        picked = self.table.selectionModel().selectedRows()
        return self.model.rows[picked[0].row()] if picked else None

    def delete_selected(self, confirm: bool = True) -> bool:
        row = self.selected()
        if row is None:
            return False
        if confirm:
            answer = QMessageBox.question(
                self, "Delete this call?",
                f"Delete the call of {when(row.started_at)} ({mmss(row.duration)})?\n\nIts recording, transcript, "
                "notes and scores are removed from this computer. This cannot be undone.",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
            if answer != QMessageBox.StandardButton.Yes:
                return False
        try:
            self.library.delete_call(row.id)
        except (StoreError, sqlite3.Error, OSError) as exc:
            self.status.setText(f"The call was not deleted: {exc}")
            return False
        self.refresh()
        self.status.setText(f"Deleted the call of {when(row.started_at)}.")
        self.deleted.emit(row.id)
        return True

    def export_selected(self, folder: str | Path | None = None) -> list[Path]:
        row = self.selected()
        if row is None:
            return []
        if folder is None:
            folder = QFileDialog.getExistingDirectory(self, "Export this call to\u2026", str(Path.home()))
            if not folder:
                return []
        try:
            result = self.library.export_call(row.id, folder)
        except (StoreError, sqlite3.Error, OSError) as exc:
            self.status.setText(f"Nothing was exported: {exc}")
            return []
        missing = " The recording was missing, so only the transcript and notes." if result.audio_missing else ""
        self.status.setText(f"Exported {len(result.files)} files to {folder}.{missing}")
        return result.files

    def _open_selected(self) -> None:
        row = self.selected()
        if row is not None:
            self.open_requested.emit(row.id)

    def _enable(self) -> None:
        has = self.selected() is not None
        for b in (self.open_button, self.export_button, self.delete_button):
            b.setEnabled(has)
