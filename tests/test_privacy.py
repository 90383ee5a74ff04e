"""Privacy, proven: the app opens no network connection outside the explicit model install, and
everything it keeps is owner-only.

Each run is a fresh `python -c` with an audit hook installed before coach_app is imported. The hook
watches the events Python raises before any network I/O: socket creation/connect/bind/sendto,
name resolution and urllib requests. On a hit it appends the event to a marker file (so a caller
that swallows exceptions cannot hide it) and raises. AF_UNIX sockets are allowed: Qt (and D-Bus on
a desktop) use them to talk to local processes on the same machine; nothing leaves the computer.
Limit: audit hooks see Python-level calls only; native code (Qt, PortAudio, Vosk) could open
sockets unseen. Those libraries are used offline here, and the positive control proves the hook
does see the app's one real network path.
"""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES

ROOT = Path(__file__).resolve().parent.parent
TESTS = Path(__file__).resolve().parent

GUARD = r"""
import os, socket, sys

os.umask(0o022)  # a typical desktop umask: owner-only modes must come from the app, not the test
_MARKER = os.environ["COACH_PRIVACY_MARKER"]
_RESOLVE = {"socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyname_ex", "socket.gethostbyaddr",
            "socket.getnameinfo", "urllib.Request"}
_ON_SOCKET = {"socket.__new__", "socket.connect", "socket.bind", "socket.sendto", "socket.sendmsg"}
_LOCAL = {getattr(socket, "AF_UNIX", -1)}


def _privacy_hook(event, args):
    if event in _ON_SOCKET:  # socket.__new__ gets (sock, family, ...); the others (sock, address...)
        family = args[1] if event == "socket.__new__" else getattr(args[0], "family", None)
        if family in _LOCAL:
            return
    if event in _RESOLVE or event in _ON_SOCKET:
        line = f"{event} {args[1:]!r}\n" if event in _ON_SOCKET else f"{event} {args!r}\n"
        fd = os.open(_MARKER, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.write(fd, line.encode("utf-8", "replace"))
        os.close(fd)
        raise RuntimeError(f"privacy test: network attempt blocked: {line.strip()}")


sys.addaudithook(_privacy_hook)
"""

CLI = GUARD + "\nfrom coach_app.cli import main\nsys.exit(main(sys.argv[1:]))\n"

# The live call of test_live_call.py, without pytest-qt: a fake headset feeds the real capture,
# engine, overlay and recorder, and the call is saved into the (private) library.
LIVE = GUARD + r"""
import time
from dataclasses import replace

import soundfile as sf
from PySide6.QtWidgets import QApplication

sys.path.insert(0, sys.argv[2])
from test_capture import FakeDevice, FakeSoundDevice

from coach_app.asr.select import choose_engine
from coach_app.audio.capture import DeviceStatus, InputDevice
from coach_app.paths import models_dir
from coach_app.settings import CaptureSettings, Settings
from coach_app.ui.main_window import MainWindow

app = QApplication(sys.argv[:1])
audio, _ = sf.read(sys.argv[1], dtype="int16")
settings = replace(Settings(), capture=CaptureSettings(agent_device="USB Headset"))
window = MainWindow(settings, choose_engine("sphinx", "en", models_dir()), "",
                    DeviceStatus((InputDevice(0, "USB Headset", 2, 16000.0),)))
sd = FakeSoundDevice([FakeDevice("USB Headset")])
window.start_live_call(sd_module=sd)
live = window.live
assert sd.opened.wait(10), "the fake headset was never opened"
sd.play("USB Headset", audio)
deadline = time.monotonic() + 60
while live.session.stats().seconds < len(audio) / 16000 - 0.1:
    assert time.monotonic() < deadline, "the live call did not get through the audio"
    app.processEvents()
    time.sleep(0.01)
live.overlay.call_button.click()
assert live.call_id is not None, "the live call was not saved"
window.close()
print("saved call", live.call_id)
"""

# A live practice run in the practice window: a scripted trainee is the microphone, the real engine
# (child-process recognisers), the overlay, and the run recorded into the library.
PRACTICE = GUARD + r"""
import time

import numpy as np
from PySide6.QtWidgets import QApplication

from coach_app.practice import Answer
from coach_app.practice.scripted import ScriptedTrainee
from coach_app.settings import Settings
from coach_app.store.library import Library, default_root
from coach_app.synth import render_text
from coach_app.ui.practice_window import PracticeWindow

class Speaker:
    def query_devices(self, *args, **kwargs):
        return [{"name": "spk", "max_input_channels": 1, "max_output_channels": 2, "default_samplerate": 16000.0}]
    def play(self, audio, rate):
        pass

def answer(text, wait):
    speech = render_text(text, "rms")
    return Answer(np.concatenate([np.zeros(int(wait * 16000), np.float32), speech * np.float32(0.5 / abs(speech).max())]), wait, "")

app = QApplication(sys.argv[:1])
library = Library(default_root())
window = PracticeWindow(Settings(), "sphinx", library, sd_module=Speaker())
window.select("double_charge")
window.start_live(mic=ScriptedTrainee([
    answer("It sounds like you are really frustrated. Let me help you with that.", 2.2),
    answer("Your refund will be back by Thursday at five pm.", 2.2)]))
deadline = time.monotonic() + 120
while window.card is None:
    assert time.monotonic() < deadline, "the practice run did not finish"
    app.processEvents()
    time.sleep(0.01)
print("practice call", window.last_call_id, f"score {window.card.score}/{window.card.max}")
window.close()
library.close()
"""


def guarded(code: str, *args: str, home: Path, timeout: float = 180) -> tuple[subprocess.CompletedProcess[str], str]:
    """Run `code` (which starts with GUARD) in a fresh interpreter; returns (result, marker contents)."""
    marker = home.parent / f"{home.name}.network-attempts"
    marker.unlink(missing_ok=True)
    env = {**os.environ, "COACH_APP_HOME": str(home), "COACH_PRIVACY_MARKER": str(marker),
           "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", code, *args], env=env, cwd=ROOT, capture_output=True, text=True,
                            timeout=timeout)
    return result, marker.read_text(encoding="utf-8") if marker.exists() else ""


def assert_offline(result: subprocess.CompletedProcess[str], attempts: str) -> None:
    assert attempts == "", f"network attempted:\n{attempts}\nstderr:\n{result.stderr[-3000:]}"
    assert result.returncode == 0, result.stderr[-3000:]


@pytest.fixture(scope="module")
def call_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from conftest import render_script

    wav, _ = render_script((FIXTURES / "quick_reply.call").read_text(), tmp_path_factory.mktemp("privacy-call"))
    return wav


def owner_only_problems(home: Path) -> list[str]:
    problems = []
    for path in [home, *home.rglob("*")]:
        mode = stat.S_IMODE(path.lstat().st_mode)
        want = 0o700 if path.is_dir() else 0o600
        if mode & 0o077:  # group/other may do nothing at all; the exact owner bits are checked too
            problems.append(f"{path.relative_to(home.parent)}: {oct(mode)}")
        elif path.is_dir() and mode != want:
            problems.append(f"{path.relative_to(home.parent)}: {oct(mode)} (want {oct(want)})")
    return problems


def test_analyze_and_review_open_no_network_and_keep_files_owner_only(private_home: Path, call_wav: Path) -> None:
    result, attempts = guarded(CLI, "analyze", str(call_wav), "--engine", "sphinx", "--save", home=private_home)
    assert_offline(result, attempts)
    assert "saved:" in result.stderr

    files = [p for p in private_home.rglob("*") if p.is_file()]
    assert any(p.suffix == ".wav" for p in files) and any(p.name == "library.db" for p in files)
    assert owner_only_problems(private_home) == []
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path

    result, attempts = guarded(CLI, "review", "--exit-after", "1.5", home=private_home)
    assert_offline(result, attempts)
    assert "no calls" not in result.stdout  # it really opened the saved call
    assert owner_only_problems(private_home) == []


def test_demo_opens_no_network(private_home: Path) -> None:
    result, attempts = guarded(CLI, "demo", "--fast", "--exit-after", "3", home=private_home)
    assert_offline(result, attempts)


def test_practice_opens_no_network(private_home: Path) -> None:
    result, attempts = guarded(CLI, "practice", "--list", home=private_home)
    assert_offline(result, attempts)
    assert "double_charge" in result.stdout


def test_a_live_practice_run_opens_no_network_and_is_recorded_owner_only(private_home: Path) -> None:
    result, attempts = guarded(PRACTICE, home=private_home)
    assert_offline(result, attempts)
    assert "practice call" in result.stdout and "score 4/4" in result.stdout, result.stdout
    assert any(p.suffix == ".wav" for p in (private_home / "library" / "recordings").iterdir())
    assert owner_only_problems(private_home) == []


def test_a_live_call_opens_no_network_and_is_recorded_owner_only(private_home: Path, call_wav: Path) -> None:
    result, attempts = guarded(LIVE, str(call_wav), str(TESTS), home=private_home)
    assert_offline(result, attempts)
    assert "saved call" in result.stdout
    assert any(p.suffix == ".wav" for p in (private_home / "library" / "recordings").iterdir())
    assert owner_only_problems(private_home) == []


def test_the_guard_catches_the_model_install(private_home: Path) -> None:
    """Positive control: the one command that is meant to go online trips the hook, and does not
    get through (the hook raises before the request is sent)."""
    result, attempts = guarded(CLI, "models", "install", "vosk-small-en-us", "--quiet", home=private_home, timeout=60)
    assert "urllib.Request" in attempts or "socket.getaddrinfo" in attempts, (attempts, result.stderr[-2000:])
    assert result.returncode != 0
    assert not (private_home / "models" / "vosk-model-small-en-us-0.15").exists()


def test_the_guard_catches_name_lookups_and_raw_sockets_but_lets_unix_sockets_through(private_home: Path) -> None:
    code = GUARD + (
        "\nimport socket\n"
        "a, b = socket.socketpair(socket.AF_UNIX)\n"  # local IPC: allowed
        "a.close(); b.close()\n"
        "caught = 0\n"
        "for attempt in (lambda: socket.create_connection(('192.0.2.1', 9), timeout=0.1),\n"  # TEST-NET-1
        "                lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM)):\n"
        "    try:\n"
        "        attempt()\n"
        "    except RuntimeError:\n"
        "        caught += 1\n"
        "sys.exit(10 + caught)\n"
    )
    result, attempts = guarded(code, home=private_home, timeout=30)
    assert result.returncode == 12, result.stderr
    lines = attempts.splitlines()
    assert lines[0].startswith("socket.getaddrinfo ('192.0.2.1'"), attempts
    assert lines[1].startswith(f"socket.__new__ ({int(socket.AF_INET)}, "), attempts  # the family, as a number
    assert len(lines) == 2  # the AF_UNIX pair raised nothing
