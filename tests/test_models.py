"""Model install against a real local HTTP server: success, and every failure leaves the models dir as it was."""

from __future__ import annotations

import hashlib
import http.server
import io
import json
import os
import socket
import stat
import threading
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest

from coach_app import paths
from coach_app.asr import models
from coach_app.cli import main

NAME = "vosk-small-en-us"
ENTRY = models.get_entry(NAME)
# The layout of the real vosk-model-small-* zips (one top folder; v2 model layout).
MODEL_FILES = {
    "README": b"fake small model for tests\n",
    "am/final.mdl": b"\x00B<TransitionModel>" + bytes(range(256)) * 8,
    "conf/mfcc.conf": b"--use-energy=false\n--sample-frequency=16000\n",
    "conf/model.conf": b"--min-active=200\n--max-active=3000\n--beam=10.0\n",
    "graph/HCLr.fst": b"fst" * 500,
    "graph/Gr.fst": b"gr" * 500,
    "graph/disambig_tid.int": b"1\n2\n",
    "graph/phones/word_boundary.int": b"1 nonword\n",
    "ivector/final.ie": b"ie" * 100,
    "ivector/splice.conf": b"--left-context=3\n",
}


def make_zip(files: dict[str, bytes] | None = None, top: str = ENTRY.dir_name) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"{top}/", b"")
        for name, data in (MODEL_FILES if files is None else files).items():
            zf.writestr(f"{top}/{name}" if top else name, data)
    return buf.getvalue()


@dataclass
class Server:
    url: str
    routes: dict[str, tuple[bytes, str]] = field(default_factory=dict)  # path -> (body, mode)
    hits: list[str] = field(default_factory=list)

    def serve(self, body: bytes, mode: str = "ok", file_name: str = ENTRY.file_name) -> None:
        """Serve under /models/, like the official URL's directory."""
        self.routes[f"/models/{file_name}"] = (body, mode)


@pytest.fixture
def server() -> Iterator[Server]:
    state = Server(url="")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            state.hits.append(self.path)
            body, mode = state.routes.get(self.path, (b"", "404"))
            if mode == "404":
                self.send_error(404, "Not Found")
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/zip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            # "truncated": promise the whole body, send half, hang up.
            self.wfile.write(body[: len(body) // 2] if mode == "truncated" else body)

        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}/models"
    yield state
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("COACH_APP_HOME", str(tmp_path / "home"))
    monkeypatch.delenv(models.URL_BASE_ENV, raising=False)
    return paths.models_dir()


def pin(monkeypatch: pytest.MonkeyPatch, data: bytes, *, size: bool = True, sha: bool = True) -> None:
    """Make the catalogue expect our fake zip (the official size/SHA-256 cannot match it)."""
    entry = replace(
        ENTRY,
        size=len(data) if size else ENTRY.size,
        sha256=hashlib.sha256(data).hexdigest() if sha else ENTRY.sha256,
    )
    monkeypatch.setitem(models._CATALOGUE, NAME, entry)


def snapshot(path: Path) -> dict[str, tuple[int, bytes]] | None:
    """Every entry under `path` with its mode and content; None when `path` does not exist."""
    if not path.exists():
        return None
    out = {}
    for p in sorted(path.rglob("*")):
        out[str(p.relative_to(path))] = (p.stat().st_mode, p.read_bytes() if p.is_file() else b"")
    out["."] = (path.stat().st_mode, b"")
    return out


def with_neighbour(root: Path) -> None:
    """A models dir that already holds something, so 'unchanged' means more than 'absent'."""
    paths.ensure_private_dir(root)
    (root / "notes.txt").write_text("keep me\n")


# ------------------------------------------------------------------------------------------ success


def test_install_from_local_server(root: Path, server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    data = make_zip()
    pin(monkeypatch, data)
    server.serve(data)

    path = models.install_model(NAME, root, base_url=server.url, progress=False)

    assert path == root / ENTRY.dir_name
    for name, content in MODEL_FILES.items():
        assert (path / name).read_bytes() == content
    manifest = json.loads((path / models.MANIFEST).read_text())
    assert manifest["sha256"] == hashlib.sha256(data).hexdigest()
    assert manifest["language"] == "en" and manifest["name"] == NAME
    assert sorted(p.name for p in root.iterdir()) == [ENTRY.dir_name]  # no temp files left
    assert stat.S_IMODE(path.stat().st_mode) == 0o700
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    assert models.find_model("en", root) == path
    assert models.find_model("en-US", root) == path
    assert models.find_model("zh", root) is None
    assert [(m.name, m.language) for m in models.installed_models(root)] == [(NAME, "en")]

    hits = len(server.hits)
    assert models.install_model(NAME, root, base_url=server.url, progress=False) == path
    assert len(server.hits) == hits  # already installed: no download


def test_cli_install_list_and_already_installed(
    root: Path, server: Server, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = make_zip()
    pin(monkeypatch, data)
    server.serve(data)
    monkeypatch.setenv(models.URL_BASE_ENV, server.url)

    assert main(["models", "install", NAME]) == 0  # with the progress bar
    out = capsys.readouterr().out
    assert f"Installed {NAME} in {root / ENTRY.dir_name}" in out

    assert main(["models", "install", NAME, "--quiet"]) == 0
    assert "already installed" in capsys.readouterr().out
    assert server.hits == [f"/models/{ENTRY.file_name}"]

    assert main(["models", "list"]) == 0
    listing = capsys.readouterr().out
    assert str(root / ENTRY.dir_name) in listing
    assert "vosk-small-cn" in listing and str(root) in listing


def test_list_when_nothing_installed_creates_nothing(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    assert "vosk-small-en-us" in out and "coach-app models install vosk-small-en-us" in out
    assert not root.exists()


def test_hand_copied_models_are_found(root: Path) -> None:
    for name in ("vosk-model-en-us-0.22-lgraph", "vosk-model-small-cn-0.22", ".unpack-x-123", "vosk-model-broken-en"):
        for rel, content in MODEL_FILES.items():
            if name.endswith("broken-en") and rel == "am/final.mdl":
                continue
            (root / name / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / name / rel).write_bytes(content)
    assert models.find_model("en", root) == root / "vosk-model-en-us-0.22-lgraph"
    assert models.find_model("cn", root) == root / "vosk-model-small-cn-0.22"
    assert [m.path.name for m in models.installed_models(root)] == ["vosk-model-en-us-0.22-lgraph", "vosk-model-small-cn-0.22"]


# ------------------------------------------------------------------------------------------ failures


@pytest.mark.parametrize("preexisting", [False, True])
def test_truncated_download_changes_nothing(
    root: Path, server: Server, monkeypatch: pytest.MonkeyPatch, preexisting: bool
) -> None:
    data = make_zip()
    pin(monkeypatch, data)
    server.serve(data, "truncated")
    if preexisting:
        with_neighbour(root)
    before = snapshot(root)

    with pytest.raises(models.ModelInstallError, match="incomplete: got .* of .* bytes") as err:
        models.install_model(NAME, root, base_url=server.url, progress=False)

    assert "Nothing was changed" in str(err.value)
    assert snapshot(root) == before


def test_corrupt_zip_is_caught_by_crc(root: Path, server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    stored = io.BytesIO()
    with zipfile.ZipFile(stored, "w", zipfile.ZIP_STORED) as zf:
        for name, content in MODEL_FILES.items():
            zf.writestr(f"{ENTRY.dir_name}/{name}", content)
    data = bytearray(stored.getvalue())
    at = bytes(data).index(MODEL_FILES["am/final.mdl"][-64:])
    data[at] ^= 0xFF  # flip a byte inside final.mdl: the zip structure is fine, its CRC is not
    pin(monkeypatch, bytes(data))  # the checksum "matches" so the zip test itself must catch it
    server.serve(bytes(data))
    with_neighbour(root)
    before = snapshot(root)

    with pytest.raises(models.ModelInstallError, match="corrupt .*final.mdl"):
        models.install_model(NAME, root, base_url=server.url, progress=False)
    assert snapshot(root) == before


def test_not_a_zip(root: Path, server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    data = b"<html>captive portal</html>" * 40
    pin(monkeypatch, data)
    server.serve(data)
    with pytest.raises(models.ModelInstallError, match="not a valid zip"):
        models.install_model(NAME, root, base_url=server.url, progress=False)
    assert not root.exists()


def test_wrong_size_or_checksum_is_refused(root: Path, server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    data = make_zip()
    server.serve(data)
    # The real catalogue: the fake zip is not the official file.
    with pytest.raises(models.ModelInstallError, match=f"offers {len(data)} bytes but {NAME} is {ENTRY.size}"):
        models.install_model(NAME, root, base_url=server.url, progress=False)
    pin(monkeypatch, data, sha=False)
    with pytest.raises(models.ModelInstallError, match="does not match its published checksum"):
        models.install_model(NAME, root, base_url=server.url, progress=False)
    assert not root.exists()


def test_archive_without_model_files(root: Path, server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    data = make_zip({k: v for k, v in MODEL_FILES.items() if k != "am/final.mdl"})
    pin(monkeypatch, data)
    server.serve(data)
    with pytest.raises(models.ModelInstallError, match="missing am/final.mdl"):
        models.install_model(NAME, root, base_url=server.url, progress=False)
    assert not root.exists()


def test_zip_slip_is_refused(root: Path, server: Server, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    files = dict(MODEL_FILES)
    files["../../evil.txt"] = b"owned"
    data = make_zip(files)
    pin(monkeypatch, data)
    server.serve(data)
    with_neighbour(root)
    before = snapshot(root)
    with pytest.raises(models.ModelInstallError, match="unsafe path"):
        models.install_model(NAME, root, base_url=server.url, progress=False)
    assert snapshot(root) == before
    assert not list(tmp_path.rglob("evil.txt"))


def test_unreachable_server_fails_fast(root: Path) -> None:
    start = time.monotonic()
    with pytest.raises(models.ModelInstallError) as err:
        models.install_model(NAME, root, base_url="http://127.0.0.1:9", progress=False)
    assert time.monotonic() - start < 5
    message = str(err.value)
    assert message.startswith(f"Cannot reach 127.0.0.1 to download {NAME} (")
    assert "Nothing was changed" in message and str(root) in message
    assert not root.exists() and not root.parent.exists()


def test_silent_server_times_out(root: Path) -> None:
    with socket.socket() as listener:  # accepts connections (backlog) but never answers
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        start = time.monotonic()
        with pytest.raises(models.ModelInstallError, match=r"no answer within 0.5 s"):
            models.install_model(NAME, root, base_url=url, progress=False, timeout=0.5)
        assert time.monotonic() - start < 5
    assert not root.exists()


def test_http_error_is_reported(root: Path, server: Server) -> None:
    with pytest.raises(models.ModelInstallError, match="answered 404"):
        models.install_model(NAME, root, base_url=server.url, progress=False)


def test_incomplete_existing_folder_is_not_touched(root: Path, server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    (root / ENTRY.dir_name / "am").mkdir(parents=True)
    before = snapshot(root)
    with pytest.raises(models.ModelInstallError, match="not a complete Vosk model"):
        models.install_model(NAME, root, base_url=server.url, progress=False)
    assert snapshot(root) == before and server.hits == []


def test_unknown_name(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(models.UnknownModel, match="Valid names: vosk-small-en-us, vosk-small-cn"):
        models.install_model("vosk-huge", root)
    assert main(["models", "install", "vosk-huge"]) == 2
    err = capsys.readouterr().err
    assert "Unknown model 'vosk-huge'" in err and "vosk-small-en-us" in err
    assert not root.exists()


def test_cli_network_failure_exit_code(root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv(models.URL_BASE_ENV, "http://127.0.0.1:9")
    assert main(["models", "install", "vosk-small-cn", "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "Cannot reach 127.0.0.1 to download vosk-small-cn" in err and "Nothing was changed" in err
    assert not root.exists()


def test_interrupted_install_cleans_up(root: Path, server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    data = make_zip()
    pin(monkeypatch, data)
    server.serve(data)
    with_neighbour(root)
    before = snapshot(root)

    def ctrl_c(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(models, "_write_manifest", ctrl_c)  # after download and unpack, before publishing
    with pytest.raises(KeyboardInterrupt):
        models.install_model(NAME, root, base_url=server.url, progress=False)
    assert snapshot(root) == before


def test_stale_temp_files_of_a_killed_install_are_swept(root: Path, server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    data = make_zip()
    pin(monkeypatch, data)
    server.serve(data)
    root.mkdir(parents=True)
    stale, fresh = root / f".download-{NAME}-old.zip", root / f".unpack-{NAME}-now"
    stale.write_bytes(b"partial")
    fresh.mkdir()
    old = time.time() - 3 * 24 * 3600
    os.utime(stale, (old, old))

    models.install_model(NAME, root, base_url=server.url, progress=False)
    assert not stale.exists() and fresh.exists()  # a fresh one may be a concurrent install
