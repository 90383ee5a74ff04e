"""Two-lane waveform of a call (you / the customer) with the nudges above it and a playhead, and
the recording read for it.

A 60-minute call is 57.6 M samples per lane: we draw a min/max envelope of a few thousand bins,
recomputed for the visible range when the agent zooms, so opening stays fast and zooming stays sharp.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
import soundfile as sf
from PySide6.QtCore import QPointF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QPainterPath, QTransform

if TYPE_CHECKING:
    from coach_app.store.library import CallDetail

# letter + colour per nudge kind (Okabe-Ito colours: they stay apart for colour-blind eyes too)
MARKS = {  # kind: (letter, colour, one word for the legend, what it is about)
    "pause": ("P", "#0072B2", "pause", "Pause before answering"),
    "label_emotion": ("E", "#D55E00", "emotion", "Name the emotion"),
    "help_offer": ("H", "#009E73", "help", "Offer help"),
    "timeframe": ("T", "#E69F00", "timeframe", "Concrete timeframe"),
    "why_question": ("W", "#CC79A7", "why", "What / how, not why"),
    "hollow_apology": ("A", "#56B4E9", "apology", "Sincere apology"),
    "monologue": ("M", "#7F6A9E", "monologue", "Let them in"),
    "closing": ("C", "#8C6D1F", "close", "Proactive close"),
}
DONE = ("satisfied", "retracted")  # retracted: the agent opened with empathy, which is fine
BINS = 3000  # envelope points per lane: about one per screen pixel
LANE_BG = "#fbfbfb"
LEVELS = (0.5, 0.82, 0.18)  # nudges close in time stack in the strip instead of hiding each other
MARKER_PX = 17
AGENT_PEN, CUSTOMER_PEN = "#2b6cb0", "#6b7280"


def mark(kind: str) -> tuple[str, str, str, str]:
    return MARKS.get(kind, (kind[:1].upper() or "?", "#555555", kind, kind))


def envelope(x: np.ndarray, bins: int) -> tuple[np.ndarray, np.ndarray]:
    """(sample index of each point, min/max zig-zag per column) of an (n, ch) int16 array, drawn as
    one line per column. Reduced column by column: numpy is 20x slower reducing the middle axis."""
    bins = max(1, min(bins, len(x)))
    per = len(x) // bins
    y = np.empty((2 * bins if per else 0, x.shape[1]), np.float32)
    for col in range(x.shape[1] if per else 0):
        blocks = x[: per * bins, col].reshape(bins, per)
        y[0::2, col], y[1::2, col] = blocks.min(axis=1), blocks.max(axis=1)
    return np.repeat(np.arange(len(y) // 2) * per, 2), y / 32768.0


def _stack(times: list[float], gap_s: float) -> list[float]:
    """A level per marker: the first one free of a marker less than `gap_s` before it."""
    last = [-1e9] * len(LEVELS)
    levels = []
    for t in times:
        free = next((k for k, at in enumerate(last) if t - at >= gap_s), min(range(len(last)), key=last.__getitem__))
        last[free] = t
        levels.append(LEVELS[free])
    return levels


class TimeAxis(pg.AxisItem):
    def tickStrings(self, values, scale, spacing):  # noqa: N802 (pyqtgraph name)
        if spacing < 1:  # zoomed in, or a short call: tenths, else ticks would repeat a label
            return [f"{int(v // 60)}:{v % 60:04.1f}" for v in values]
        return [f"{int(v // 60)}:{int(v % 60):02d}" for v in values]


@cache
def _letter(letter: str) -> QPainterPath:
    """A letter as a scatter symbol, centred in a unit box (pyqtgraph's own recipe)."""
    font = QFont()
    font.setBold(True)
    path = QPainterPath()
    path.addText(0, 0, font, letter)
    box = path.boundingRect()
    scale = 1.0 / max(box.width(), box.height(), 1e-6)
    tr = QTransform()
    tr.scale(scale, scale)
    tr.translate(-box.x() - box.width() / 2, -box.y() - box.height() / 2)
    return tr.map(path)


class WaveformLanes(pg.GraphicsLayoutWidget):
    seek_requested = Signal(float)  # a click on a lane: play from there
    nudge_clicked = Signal(int)  # index into the nudges given to show()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setBackground("w")
        self.audio: np.ndarray | None = None
        self.rate = 16000
        self.nudges: list[dict] = []
        self.strip = self._plot("Nudges", axis=False)
        self.strip.setYRange(0, 1, padding=0)
        self.lanes = [self._plot("You"), self._plot("Customer", axis=True)]
        self.strip.setMaximumHeight(62)
        for plot in self.lanes:
            plot.setXLink(self.strip)
            plot.setYRange(-1, 1, padding=0.05)
        self.curves = [lane.plot(pen=pg.mkPen(c, width=1)) for lane, c in zip(self.lanes, (AGENT_PEN, CUSTOMER_PEN))]
        self.rings = pg.ScatterPlotItem(size=MARKER_PX, pxMode=True)
        self.letters = pg.ScatterPlotItem(size=MARKER_PX - 8, pxMode=True, pen=None)
        self.levels: list[float] = []
        self.strip.addItem(self.rings)
        self.strip.addItem(self.letters)
        self.heads = []
        for plot in (self.strip, *self.lanes):
            head = pg.InfiniteLine(0, angle=90, pen=pg.mkPen("#c0392b", width=2))
            head.setZValue(10)
            plot.addItem(head)
            self.heads.append(head)
        self.nudge_lines: list[tuple[pg.PlotItem, pg.PlotDataItem]] = []
        self._full: tuple[np.ndarray, np.ndarray] | None = None  # the whole call's envelope, kept
        self.empty = pg.TextItem("", color="#8a4b00", anchor=(0.5, 0.5))
        self.lanes[0].addItem(self.empty)
        self._redraw = QTimer(self, singleShot=True, interval=60)  # zooming fires many range changes
        self._redraw.timeout.connect(self._draw_visible)
        self.strip.getViewBox().sigXRangeChanged.connect(lambda *_: self._redraw.start())
        self.scene().sigMouseClicked.connect(self._clicked)

    def _plot(self, name: str, axis: bool = False) -> pg.PlotItem:
        plot = self.addPlot(row=len(self.ci.items), col=0, axisItems={"bottom": TimeAxis("bottom")})
        plot.setMenuEnabled(False)
        plot.hideButtons()
        plot.setMouseEnabled(x=True, y=False)  # wheel zooms time, drag pans; the height stays
        plot.showAxis("bottom", axis)
        left = plot.getAxis("left")
        left.setTicks([[]])
        left.setWidth(72)
        left.setLabel(name)
        plot.getViewBox().setBackgroundColor(LANE_BG)
        return plot

    # --- content ---------------------------------------------------------------------------------
    def show_call(self, audio: np.ndarray | None, rate: int, duration: float, nudges: list[dict],
                  mono: bool = False, problem: str = "") -> None:
        """`audio`: (n, 2) int16, columns agent then customer ((n, 1) for a mono call), or None."""
        self.audio, self.rate, self.nudges = audio, rate, nudges
        self._full = envelope(audio, BINS) if audio is not None and len(audio) else None
        duration = max(duration, len(audio) / rate if audio is not None else 0.0, 1.0)
        self.lanes[0].getAxis("left").setLabel("Both (mono)" if mono else "You")
        self.lanes[1].setVisible(not mono)
        self.lanes[0].showAxis("bottom", mono)  # the time axis sits under the last lane shown
        self.empty.setText("No recording to show" if audio is None or not len(audio) else "")
        self.empty.setPos(duration / 2, 0)
        self.empty.setToolTip(problem)
        for plot in (self.strip, *self.lanes):
            plot.getViewBox().setLimits(xMin=0, xMax=duration, minXRange=min(2.0, duration))
        width = max(self.width() - 90, 400)  # pixels of time axis, roughly, before the first layout
        self._show_nudges(nudges, duration * (MARKER_PX + 3) / width)
        self.strip.setXRange(0, duration, padding=0)
        self._draw_visible()
        self._redraw.stop()  # already drawn for this range
        self.set_position(0.0)

    def set_position(self, t: float) -> None:
        for head in self.heads:
            head.setValue(t)

    def _show_nudges(self, nudges: list[dict], gap_s: float) -> None:
        for lane, lines in self.nudge_lines:
            lane.removeItem(lines)
        self.nudge_lines = []
        self.levels = _stack([n["t"] for n in nudges], gap_s)
        looks = [mark(n["kind"]) for n in nudges]
        done = [n.get("outcome") in DONE for n in nudges]  # missed: filled; done: a ring
        x, y = [n["t"] for n in nudges], self.levels
        self.rings.setData(x=x, y=y, data=list(range(len(nudges))), symbol="o",
                           brush=[pg.mkBrush("w" if d else c) for (_, c, _, _), d in zip(looks, done)],
                           pen=[pg.mkPen(c, width=2) for _, c, _, _ in looks])
        self.letters.setData(x=x, y=y, symbol=[_letter(letter) for letter, _, _, _ in looks],
                             brush=[pg.mkBrush(c if d else "w") for (_, c, _, _), d in zip(looks, done)])
        by_colour: dict[str, list[float]] = {}
        for n, (_, colour, _, _) in zip(nudges, looks):
            by_colour.setdefault(colour, []).append(n["t"])
        for colour, times in by_colour.items():  # one dashed item per kind and lane, not one per nudge
            pen = pg.mkPen(QColor(colour), width=1, style=Qt.PenStyle.DashLine)
            for lane in self.lanes:
                lines = pg.PlotDataItem(np.repeat(times, 2), np.tile([-1.0, 1.0], len(times)), connect="pairs",
                                        pen=pen)
                lane.addItem(lines)
                self.nudge_lines.append((lane, lines))

    def _draw_visible(self) -> None:
        if self.audio is None or not len(self.audio):
            for curve in self.curves:
                curve.setData([], [])
            return
        x0, x1 = self.strip.getViewBox().viewRange()[0]
        i0 = max(0, int(x0 * self.rate))
        i1 = min(len(self.audio), int(x1 * self.rate) + 1)
        whole = i0 == 0 and i1 == len(self.audio)
        idx, y = self._full if whole and self._full is not None else envelope(self.audio[i0:i1], BINS)
        for col, curve in enumerate(self.curves):
            if col < y.shape[1]:
                curve.setData((idx + i0) / self.rate, y[:, col])

    # --- clicks ------------------------------------------------------------------------------------
    def marker_scene_pos(self, index: int) -> QPointF:
        """Where nudge `index` is drawn (scene coordinates), for tests and tooltips."""
        return self.strip.getViewBox().mapViewToScene(QPointF(self.nudges[index]["t"], self.levels[index]))

    def _clicked(self, ev) -> None:
        if ev.button() != Qt.MouseButton.LeftButton:
            return
        pos = ev.scenePos()
        strip = self.strip.getViewBox()
        if strip.sceneBoundingRect().contains(pos) and self.nudges:
            away = [(self.marker_scene_pos(i) - pos).manhattanLength() for i in range(len(self.nudges))]
            near = min(range(len(away)), key=away.__getitem__)
            if away[near] <= MARKER_PX:
                self.nudge_clicked.emit(near)
                return
        for vb in (strip, *(lane.getViewBox() for lane in self.lanes if lane.isVisible())):
            if vb.sceneBoundingRect().contains(pos):
                self.seek_requested.emit(max(0.0, vb.mapSceneToView(pos).x()))
                return


def load_recording(detail: CallDetail) -> tuple[np.ndarray | None, int, str]:
    """(samples with columns agent, customer, rate, problem). A bad file is a note, never a crash."""
    if detail.audio_problem:
        return None, 16000, detail.audio_problem
    try:
        info = sf.info(str(detail.audio_path))
        audio = _mapped_pcm16(detail.audio_path, info)
        if audio is None:
            audio = sf.read(str(detail.audio_path), dtype="int16", always_2d=True)[0]
    except Exception as exc:  # libsndfile's errors vary by version
        return None, 16000, (f"The recording for this call cannot be played ({exc}); the transcript and notes "
                             "are still here.")
    if detail.layout == "customer_left" and audio.shape[1] >= 2:
        audio = audio[:, ::-1]
    return audio[:, :2], int(info.samplerate), ""


def _mapped_pcm16(path: Path, info) -> np.ndarray | None:
    """Our own recordings (16-bit WAV) are mapped, not read: a 60-minute call opens without copying
    115 MB. Anything else (or an odd header) returns None and is read by soundfile."""
    if info.format != "WAV" or info.subtype != "PCM_16":
        return None
    with open(path, "rb") as f:
        if f.read(12)[8:12] != b"WAVE":
            return None
        while len(chunk := f.read(8)) == 8:
            size = int.from_bytes(chunk[4:], "little")
            if chunk[:4] == b"data":
                offset = f.tell()
                break
            f.seek(size + (size & 1), 1)
        else:
            return None
    if info.frames <= 0 or path.stat().st_size < offset + info.frames * info.channels * 2:
        return None
    return np.memmap(path, np.dtype("<i2"), "r", offset, (info.frames, info.channels))
