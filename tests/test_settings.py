"""Settings: one TOML file the agent can change; `coach-app settings` shows and writes it."""

from __future__ import annotations

import stat
import sys

from coach_app.commands.settings import to_toml
from coach_app.settings import Settings, load_settings
from conftest import run_cli

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def test_written_settings_load_back_identical(tmp_path):
    path = tmp_path / "settings.toml"
    path.write_text(to_toml(Settings()), encoding="utf-8")
    assert load_settings(path) == Settings()


def test_one_threshold_changed_in_the_file(tmp_path):
    path = tmp_path / "settings.toml"
    path.write_text("[pause]\nwindow_s = 3\n", encoding="utf-8")
    settings = load_settings(path)
    assert settings.pause.window_s == 3.0 and settings.timeframe == Settings().timeframe


def test_cli_init_writes_an_owner_only_file_once(capsys, private_home):
    code, out, _ = run_cli(capsys, "settings", "--init")
    path = private_home / "settings.toml"
    assert code == 0 and path.is_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert tomllib.loads(path.read_text())["pause"]["window_s"] == 2.0
    code, _, err = run_cli(capsys, "settings", "--init")
    assert code == 1 and "already exists" in err


def test_analyze_uses_the_settings_file(capsys, private_home, tmp_path):
    transcript = tmp_path / "t.jsonl"
    transcript.write_text(
        '{"channel": "customer", "t0": 0.0, "t1": 3.0, "text": "my parcel never arrived and I am worried"}\n'
        '{"channel": "agent", "t0": 5.5, "t1": 7.0, "text": "it sounds like you are worried, let me help you with that"}\n'
    )
    _, out, _ = run_cli(capsys, "analyze", "--json", "--transcript", str(transcript))
    assert '"kind": "pause"' not in out  # 2.5 s is a good pause by default
    (private_home / "settings.toml").write_text("[pause]\nwindow_s = 3.0\n")
    _, out, _ = run_cli(capsys, "analyze", "--json", "--transcript", str(transcript))
    assert '"kind": "pause"' in out
