"""The live overlay: a compact always-on-top window that never takes the keyboard from the softphone.

It shows one nudge at a time (the arbiter decides which), the pause countdown after the customer
finishes a substantive turn, both level meters, the call timer, the recording state and the engine.
Time is audio time from the session (`tick(now)`), so a replayed call looks exactly as it did live.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from coach_app.events import Event, ListeningWindow, Nudge, NudgeResolved, SpeechStarted
from coach_app.prompts.arbiter import NudgeArbiter
from coach_app.settings import FatigueSettings

TITLES = {
    "pause": "Pause", "label_emotion": "Name the feeling", "help_offer": "Offer help", "timeframe": "Say when",
    "why_question": "What / how, not why", "hollow_apology": "Personal apology", "monologue": "Let them in",
}
TICK_S = 1.5  # how long the quiet ✓ stays after a satisfied nudge
METER_FALL_DB = 1.5  # per update (~40 ms): about 35 dB a second


class CoachOverlay(QWidget):
    feedback = Signal(str, str, str)  # nudge id, kind, action: dismissed | snoozed | not_helpful
    start_stop = Signal()
    pause_recording = Signal()

    def __init__(self, engine_name: str, fatigue: FatigueSettings | None = None):
        super().__init__(None, Qt.WindowType.Tool | Qt.WindowType.WindowStaysOnTopHint
                         | Qt.WindowType.WindowDoesNotAcceptFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
        self.setWindowTitle("coach_app")
        self.arbiter = NudgeArbiter(fatigue or FatigueSettings())
        self.now = 0.0
        self._window: ListeningWindow | None = None
        self._tick_until = -1.0
        self._meter_db = {"agent": -60.0, "customer": -60.0}

        self.timer_label = QLabel("00:00")
        self.rec_label = QLabel("● REC")
        self.engine_label = QLabel(engine_name)
        self.engine_label.setStyleSheet("color: #555;")
        self.message_label = QLabel("")  # plain words about devices, drops, …
        self.message_label.setWordWrap(True)
        self.message_label.setStyleSheet("color: #8a4b00;")
        self.countdown = QLabel("")
        self.countdown.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.card = QFrame()
        self.card.setFrameShape(QFrame.Shape.StyledPanel)
        self.title = QLabel("")
        self.title.setWordWrap(True)
        self.body = QLabel("")
        self.body.setWordWrap(True)
        self.tick_label = QLabel("")
        self.meters = {name: _meter() for name in ("agent", "customer")}
        self.dismiss_button = QPushButton("✕ Dismiss")
        self.snooze_button = QPushButton("Snooze this")
        self.unhelpful_button = QPushButton("Not helpful")
        self.call_button = QPushButton("Stop call")
        self.rec_button = QPushButton("Pause recording")
        self._layout()
        self._style(1.0)
        self.dismiss_button.clicked.connect(lambda: self._act("dismissed"))
        self.snooze_button.clicked.connect(lambda: self._act("snoozed"))
        self.unhelpful_button.clicked.connect(lambda: self._act("not_helpful"))
        self.call_button.clicked.connect(self.start_stop.emit)
        self.rec_button.clicked.connect(self.pause_recording.emit)
        self._render()

    # --- fed by the session -------------------------------------------------------------------
    def apply(self, events: list[Event]) -> None:
        for event in events:
            if isinstance(event, ListeningWindow):
                self._window = event
            elif isinstance(event, SpeechStarted):
                self._window = None  # someone spoke: the pause is over
            if isinstance(event, NudgeResolved) and event.outcome == "satisfied":
                self._tick_until = event.t + TICK_S
            if isinstance(event, (Nudge, NudgeResolved)):
                self.arbiter.push(event)
        self._render()

    def tick(self, now: float) -> None:
        self.now = now
        self.arbiter.advance(now)
        self._render()

    def set_levels(self, agent_db: float, customer_db: float) -> None:
        """Meters rise at once and fall slowly, so speech reads as a steady bar, not a flicker."""
        for name, db in (("agent", agent_db), ("customer", customer_db)):
            shown = max(float(db), self._meter_db[name] - METER_FALL_DB)
            self._meter_db[name] = shown
            self.meters[name].setValue(int(max(0.0, min(60.0, shown + 60.0))))

    def set_recording(self, on: bool, note: str = "○ recording paused") -> None:
        self.rec_label.setText("● REC" if on else note)
        self.rec_button.setText("Pause recording" if on else "Resume recording")

    def set_message(self, text: str) -> None:
        self.message_label.setText(text)
        self.message_label.setVisible(bool(text))

    def set_scale(self, scale: float) -> None:
        """Readable at a glance at 125-200 % scaling."""
        self._style(scale)

    # --- what the agent sees ------------------------------------------------------------------
    def _render(self) -> None:
        minutes, seconds = divmod(int(self.now), 60)
        self.timer_label.setText(f"{minutes:02d}:{seconds:02d}")
        window = self._window
        if window is not None and self.now < window.until:
            left = window.until - self.now
            self.countdown.setText("Listen… " + ("2" if left > 1.0 else "1"))
        elif window is not None and self.now < window.until + 1.0:
            self.countdown.setText("Your turn ▶")
        else:
            self.countdown.setText("")
        nudge = self.arbiter.visible
        self.card.setVisible(nudge is not None)
        if nudge is not None:
            self.title.setText(f"⚑ {nudge.message}")
            self.title.setToolTip(TITLES.get(nudge.kind, nudge.kind))
            self.body.setText(nudge.suggestion)
        self.tick_label.setText("✓ well done" if self.now <= self._tick_until and nudge is None else "")
        for button in (self.dismiss_button, self.snooze_button, self.unhelpful_button):
            button.setEnabled(nudge is not None)
        self._fit()

    def _fit(self) -> None:
        """The card comes and goes and its text wraps: the window's height follows its content."""
        layout = self.layout()
        if layout is not None:
            layout.activate()
            self.resize(self.width(), layout.heightForWidth(self.width()) if layout.hasHeightForWidth()
                        else layout.sizeHint().height())

    def _act(self, action: str) -> None:
        nudge = self.arbiter.visible
        if nudge is None:
            return
        if action == "snoozed":
            self.arbiter.snooze(nudge.kind, self.now)
        else:
            self.arbiter.dismiss(self.now)
        self.feedback.emit(nudge.id, nudge.kind, action)
        self._render()

    def _layout(self) -> None:
        top = QHBoxLayout()
        for w in (self.timer_label, self.rec_label):
            top.addWidget(w)
        top.addStretch(1)
        top.addWidget(self.engine_label)
        meters = QHBoxLayout()
        for name, caption in (("agent", "You"), ("customer", "Customer")):
            meters.addWidget(QLabel(caption))
            meters.addWidget(self.meters[name], 1)
        card = QVBoxLayout(self.card)
        card.addWidget(self.title)
        card.addWidget(self.body)
        actions = QHBoxLayout()
        for b in (self.dismiss_button, self.snooze_button, self.unhelpful_button):
            actions.addWidget(b)
        card.addLayout(actions)
        controls = QHBoxLayout()
        controls.addWidget(self.call_button)
        controls.addWidget(self.rec_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.message_label)
        layout.addWidget(self.countdown)
        layout.addWidget(self.card)
        layout.addWidget(self.tick_label)
        layout.addLayout(meters)
        layout.addLayout(controls)
        self.message_label.setVisible(False)

    def _style(self, scale: float) -> None:
        base = self.font().pointSizeF() if self.font().pointSizeF() > 0 else 10.0
        big = QFont(self.font())
        big.setPointSizeF(base * 1.6 * scale)
        big.setBold(True)
        self.title.setFont(big)
        self.countdown.setFont(big)
        body = QFont(self.font())
        body.setPointSizeF(base * 1.25 * scale)
        self.body.setFont(body)
        # wrapped suggestions need their lines: three at most, kept short in the lexicons
        self.body.setMinimumHeight(self.body.fontMetrics().lineSpacing() * 3 + 4)
        self.timer_label.setFont(body)
        self.tick_label.setFont(body)
        self.card.setStyleSheet("QFrame { border: 3px solid #c0392b; border-radius: 8px; background: #fff6f4; }"
                                "QLabel { border: none; }")
        self.countdown.setStyleSheet("color: #1f5fa8;")
        self.tick_label.setStyleSheet("color: #1e7b34;")
        self.setFixedWidth(int(440 * scale))
        self._fit()


def _meter() -> QProgressBar:
    bar = QProgressBar()
    bar.setRange(0, 60)  # -60..0 dBFS
    bar.setTextVisible(False)
    bar.setFixedHeight(10)
    return bar
