"""Guard against a Qt binding that corrupts Python's reference counts.

PySide6 6.12.0 decrements None's refcount on every Qt call that returns nothing; the overlay makes
hundreds of those a second, and on Python 3.11 the app aborted ("deallocating None") after ~15 s of
a call. pyproject.toml caps PySide6 below 6.12; this test fails if a broken release comes back.
"""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QLabel


def test_void_qt_calls_keep_none_alive(qtbot):
    label = QLabel()
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for i in range(2000):
        label.setText(str(i))
        label.setVisible(i % 2 == 0)
    assert sys.getrefcount(None) >= before - 50  # a little noise from other objects, never thousands
