"""The Vosk model catalogue, and installing a model safely.

An install either leaves a complete, verified model in `models_dir/<dir_name>` or leaves
`models_dir` exactly as it was: the download and the unpacking happen in hidden temp entries
inside `models_dir` (same filesystem), and one directory rename publishes the result.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import json
import os
import re
import shutil
import stat
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from collections.abc import Callable, Iterator
from typing import BinaryIO

from coach_app import paths

URL_BASE_ENV = "COACH_APP_MODEL_URL_BASE"  # a mirror (or a test server); checksums still apply
MANIFEST = "coach_app_model.json"
# What Vosk's loader needs from a "v2" model dir (see vosk-api src/model.cc ConfigureV2);
# graph/ holds either HCLG.fst or HCLr.fst + Gr.fst depending on the model.
REQUIRED_FILES = ("am/final.mdl", "conf/mfcc.conf", "conf/model.conf")
REQUIRED_DIRS = ("graph",)
CONNECT_TIMEOUT_S = 10.0
_CHUNK = 256 * 1024
_MAX_UNPACKED = 4 * 1024**3  # zip-bomb guard; the small models unpack to < 100 MB
_MAX_UNKNOWN_DOWNLOAD = 2 * 1024**3  # when neither the catalogue nor the server says a size


class ModelInstallError(RuntimeError):
    """Install failed; the message is for the agent and says that nothing was changed."""


class UnknownModel(ModelInstallError):
    """The name is not in the catalogue."""


@dataclass(frozen=True)
class ModelEntry:
    name: str  # what the user types: `coach-app models install <name>`
    url: str
    dir_name: str  # top-level folder inside the zip, and the installed folder name
    language: str  # "en" | "zh"
    size: int | None = None  # bytes of the zip
    sha256: str | None = None

    @property
    def file_name(self) -> str:
        return PurePosixPath(urllib.parse.urlparse(self.url).path).name


# alphacephei.com publishes no checksums; these are the sizes and SHA-256 of the official zips
# as pinned by many independent projects (Yocto recipes, app installers), all agreeing.
_CATALOGUE: dict[str, ModelEntry] = {
    e.name: e
    for e in (
        ModelEntry(
            "vosk-small-en-us",
            "https://alphacephei.com/vosk/models/vosk-model-small-en-us-0.15.zip",
            "vosk-model-small-en-us-0.15",
            "en",
            41_205_931,
            "30f26242c4eb449f948e42cb302dd7a686cb29a3423a8367f99ff41780942498",
        ),
        ModelEntry(
            "vosk-small-cn",
            "https://alphacephei.com/vosk/models/vosk-model-small-cn-0.22.zip",
            "vosk-model-small-cn-0.22",
            "zh",
            43_898_754,
            "3af8b0e7e0f835ae9d414ce5df580237a3cfb08d586c9fbbb0f7ff29ad5b14ba",
        ),
    )
}

# Folder-name prefixes of models the user copied in by hand (Vosk's own naming).
_LANGUAGE_PATTERNS = {
    "en": re.compile(r"^vosk-model(-small)?-en(-us)?(-|$)"),
    "zh": re.compile(r"^vosk-model(-small)?-(cn|zh)(-|$)"),
}
_LANGUAGE_ALIASES = {"en": "en", "en-us": "en", "en_us": "en", "zh": "zh", "cn": "zh", "zh-cn": "zh", "zh_cn": "zh"}


@dataclass(frozen=True)
class InstalledModel:
    path: Path
    language: str | None
    name: str | None  # catalogue name when it is a catalogue model


def catalogue() -> list[ModelEntry]:
    return list(_CATALOGUE.values())


def get_entry(name: str) -> ModelEntry:
    try:
        return _CATALOGUE[name]
    except KeyError:
        valid = ", ".join(_CATALOGUE)
        raise UnknownModel(f"Unknown model {name!r}. Valid names: {valid}.") from None


def normalise_language(language: str) -> str | None:
    return _LANGUAGE_ALIASES.get(language.strip().lower())


def install_command(language: str) -> str:
    """The exact command that installs the catalogue model for `language`."""
    lang = normalise_language(language)
    names = [e.name for e in _CATALOGUE.values() if e.language == lang] or list(_CATALOGUE)
    return f"coach-app models install {names[0]}"


def missing_parts(path: Path) -> list[str]:
    """What a Vosk model dir lacks ([] = looks complete). Says nothing about file contents."""
    missing = [f for f in REQUIRED_FILES if not (path / f).is_file()]
    return missing + [d + "/" for d in REQUIRED_DIRS if not (path / d).is_dir()]


def is_model_dir(path: Path) -> bool:
    return path.is_dir() and not missing_parts(path)


def language_of(path: Path) -> str | None:
    for entry in _CATALOGUE.values():
        if entry.dir_name == path.name:
            return entry.language
    try:
        lang = json.loads((path / MANIFEST).read_text(encoding="utf-8")).get("language")
        if isinstance(lang, str) and normalise_language(lang):
            return normalise_language(lang)
    except (OSError, ValueError, AttributeError):
        pass
    for lang, pattern in _LANGUAGE_PATTERNS.items():
        if pattern.match(path.name):
            return lang
    return None


def installed_models(models_dir: Path | None = None) -> list[InstalledModel]:
    root = models_dir if models_dir is not None else paths.models_dir()
    if not root.is_dir():
        return []
    by_dir = {e.dir_name: e.name for e in _CATALOGUE.values()}
    found = []
    for child in sorted(root.iterdir()):
        if child.name.startswith(".") or not is_model_dir(child):
            continue  # hidden = our own temp entries
        found.append(InstalledModel(child, language_of(child), by_dir.get(child.name)))
    return found


def find_model(language: str, models_dir: Path | None = None) -> Path | None:
    """An installed Vosk model dir for `language` ("en", "zh"; "cn", "en-us" accepted).

    Catalogue models first, then any hand-copied model whose name or manifest says the language.
    """
    lang = normalise_language(language)
    if lang is None:
        return None
    root = models_dir if models_dir is not None else paths.models_dir()
    for entry in _CATALOGUE.values():
        if entry.language == lang and is_model_dir(root / entry.dir_name):
            return root / entry.dir_name
    for model in installed_models(root):
        if model.language == lang:
            return model.path
    return None


# --------------------------------------------------------------------------- install


def install_model(
    name: str,
    models_dir: Path | None = None,
    *,
    base_url: str | None = None,
    progress: bool = True,
    timeout: float = CONNECT_TIMEOUT_S,
) -> Path:
    """Download, verify and unpack catalogue model `name`; return its installed dir.

    Already installed: returns at once without any network access. `base_url` (or the
    COACH_APP_MODEL_URL_BASE environment variable) replaces the catalogue URL's directory;
    size and SHA-256 are checked whatever the source. Raises ModelInstallError (UnknownModel for
    a bad name) and then `models_dir` is exactly as before.
    """
    entry = get_entry(name)
    root = models_dir if models_dir is not None else paths.models_dir()
    target = root / entry.dir_name
    if is_model_dir(target):
        return target
    if target.exists() or target.is_symlink():
        raise ModelInstallError(
            f"{target} exists but is not a complete Vosk model (missing: {', '.join(missing_parts(target))}). "
            f"Nothing was changed. Remove that folder and run `coach-app models install {name}` again."
        )
    url = download_url(name, base_url)

    created = _missing_ancestors(root)
    tmp_zip: Path | None = None
    tmp_dir: Path | None = None
    done = False
    try:
        with _open(url, entry, root, timeout) as response:
            paths.ensure_private_dir(root)
            fd, tmp_name = tempfile.mkstemp(prefix=f".download-{name}-", suffix=".zip", dir=root)
            tmp_zip = Path(tmp_name)
            with os.fdopen(fd, "wb") as out:
                digest = _download(response, out, url, entry, progress)
        _verify_digest(entry, digest)
        tmp_dir = Path(tempfile.mkdtemp(prefix=f".unpack-{name}-", dir=root))
        unpacked = _unpack(tmp_zip, tmp_dir, entry)
        _write_manifest(unpacked, entry, url, digest)
        _publish(unpacked, target)
        done = True
        _sweep_stale(root)
        return target
    except OSError as exc:  # disk full, permissions, ...
        raise ModelInstallError(f"Could not install {name} into {root}: {exc}. Nothing was changed.") from exc
    finally:  # also on KeyboardInterrupt: no half-written files survive
        if tmp_zip is not None:
            tmp_zip.unlink(missing_ok=True)
        if tmp_dir is not None:
            shutil.rmtree(tmp_dir, ignore_errors=True)
        if not done:
            _remove_created(created)


def download_url(name: str, base_url: str | None = None) -> str:
    """Where `name` is downloaded from: the catalogue URL, or its file under a mirror base URL."""
    entry = get_entry(name)
    base = base_url or os.environ.get(URL_BASE_ENV)
    return f"{base.rstrip('/')}/{entry.file_name}" if base else entry.url


def _open(url: str, entry: ModelEntry, root: Path, timeout: float) -> http.client.HTTPResponse:
    if not url.lower().startswith(("http://", "https://")):
        raise ModelInstallError(f"Refusing to download {entry.name} from {url}: only http(s) URLs are allowed.")
    host = urllib.parse.urlparse(url).hostname or url
    request = urllib.request.Request(url, headers={"User-Agent": "coach_app model installer"})
    try:
        response = urllib.request.urlopen(request, timeout=timeout)  # noqa: S310 - scheme checked above
    except urllib.error.HTTPError as exc:
        raise ModelInstallError(
            f"{host} answered {exc.code} {exc.reason} for {url} while downloading {entry.name}. "
            "Nothing was changed."
        ) from exc
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        reason: object = getattr(exc, "reason", None) or exc
        if isinstance(reason, TimeoutError):  # socket.timeout is TimeoutError since 3.10
            reason = f"no answer within {timeout:g} s"
        elif isinstance(reason, OSError) and reason.strerror:
            reason = reason.strerror  # "Connection refused" rather than "[Errno 111] Connection refused"
        raise ModelInstallError(
            f"Cannot reach {host} to download {entry.name} ({reason}). Nothing was changed. "
            f"Check the network connection, or copy an unpacked model into {root}."
        ) from exc
    return response


def _download(response: http.client.HTTPResponse, out: BinaryIO, url: str, entry: ModelEntry, progress: bool) -> str:
    """Stream the body into `out`; returns its SHA-256. Checks every size we were told."""
    header = response.headers.get("Content-Length")
    announced = int(header) if header and header.strip().isdigit() else None
    if announced is not None and entry.size is not None and announced != entry.size:
        raise ModelInstallError(
            f"{url} offers {announced} bytes but {entry.name} is {entry.size} bytes; "
            "refusing a file that is not the expected model. Nothing was changed."
        )
    expected = announced if announced is not None else entry.size
    limit = expected if expected is not None else _MAX_UNKNOWN_DOWNLOAD
    digest = hashlib.sha256()
    received = 0
    with _progress_bar(entry.name, expected, progress) as advance:
        while True:
            try:
                chunk = response.read(min(_CHUNK, limit + 1 - received))
            except http.client.IncompleteRead as exc:
                chunk = exc.partial
                _write(out, digest, chunk)
                received += len(chunk)
                break
            except (OSError, http.client.HTTPException) as exc:
                raise ModelInstallError(
                    f"The download of {entry.name} from {url} broke off after {received} bytes ({exc}). "
                    "Nothing was changed; run the command again."
                ) from exc
            if not chunk:
                break
            _write(out, digest, chunk)
            received += len(chunk)
            advance(len(chunk))
            if received > limit:
                raise ModelInstallError(
                    f"{url} sent more than the {limit} bytes expected for {entry.name}. Nothing was changed."
                )
    if expected is not None and received != expected:
        raise ModelInstallError(
            f"The download of {entry.name} from {url} is incomplete: got {received} of {expected} bytes. "
            "Nothing was changed; run the command again."
        )
    return digest.hexdigest()


def _write(out: BinaryIO, digest: "hashlib._Hash", chunk: bytes) -> None:
    out.write(chunk)
    digest.update(chunk)


@contextlib.contextmanager
def _progress_bar(label: str, total: int | None, enabled: bool) -> Iterator[Callable[[int], None]]:
    """A rich download bar on stderr (or nothing); yields `advance(nbytes)`."""
    if not enabled:
        yield lambda n: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn, TransferSpeedColumn

    columns = ("[progress.description]{task.description}", BarColumn(), DownloadColumn(), TransferSpeedColumn(), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True)) as progress:
        task = progress.add_task(f"Downloading {label}", total=total)
        yield lambda n: progress.update(task, advance=n)


def _verify_digest(entry: ModelEntry, digest: str) -> None:
    if entry.sha256 is not None and digest != entry.sha256:
        raise ModelInstallError(
            f"The download of {entry.name} does not match its published checksum "
            f"(SHA-256 {digest}, expected {entry.sha256}): it is damaged or not the official file. "
            "Nothing was changed."
        )


def _unpack(zip_path: Path, dest: Path, entry: ModelEntry) -> Path:
    """Test every member's CRC, extract safely under `dest`; returns the model folder."""
    try:
        with zipfile.ZipFile(zip_path) as zf:
            bad = zf.testzip()
            if bad is not None:
                raise ModelInstallError(f"The download of {entry.name} is corrupt ({bad} fails its CRC). Nothing was changed.")
            members = zf.infolist()
            if sum(m.file_size for m in members) > _MAX_UNPACKED:
                raise ModelInstallError(f"The archive for {entry.name} unpacks to an implausible size. Nothing was changed.")
            for member in members:
                _extract_member(zf, member, dest, entry)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, NotImplementedError) as exc:
        raise ModelInstallError(f"The download of {entry.name} is not a valid zip archive ({exc}). Nothing was changed.") from exc
    model = dest / entry.dir_name
    missing = missing_parts(model)
    if missing:
        raise ModelInstallError(
            f"The archive for {entry.name} does not contain a Vosk model (missing {', '.join(missing)} "
            f"under {entry.dir_name}/). Nothing was changed."
        )
    return model


def _extract_member(zf: zipfile.ZipFile, member: zipfile.ZipInfo, dest: Path, entry: ModelEntry) -> None:
    name = member.filename.replace("\\", "/")
    parts = PurePosixPath(name).parts
    # Zip-slip: absolute names, drive letters and '..' could write outside dest.
    if not parts or name.startswith("/") or ":" in parts[0] or any(p in ("..", "") for p in parts):
        raise ModelInstallError(f"The archive for {entry.name} contains an unsafe path {member.filename!r}. Nothing was changed.")
    if stat.S_ISLNK(member.external_attr >> 16):
        raise ModelInstallError(f"The archive for {entry.name} contains a symbolic link {member.filename!r}. Nothing was changed.")
    path = dest.joinpath(*parts)
    if member.is_dir():
        path.mkdir(parents=True, exist_ok=True)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with zf.open(member) as src, open(path, "xb") as out:  # "x": a duplicate name must not overwrite
        shutil.copyfileobj(src, out, _CHUNK)


def _write_manifest(model: Path, entry: ModelEntry, url: str, digest: str) -> None:
    manifest = {"name": entry.name, "language": entry.language, "url": url, "sha256": digest, "size": entry.size}
    (model / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def _publish(model: Path, target: Path) -> None:
    model.chmod(0o700)  # recordings' neighbours: owner-only like everything we create
    try:
        os.rename(model, target)  # atomic: same filesystem, and target must not exist
    except OSError as exc:
        if is_model_dir(target):  # a concurrent install won the race
            return
        raise ModelInstallError(f"Could not move the unpacked model into {target}: {exc}. Nothing was changed.") from exc


def _sweep_stale(root: Path, max_age_s: float = 24 * 3600) -> None:
    """Remove temp entries left by an install that was killed (SIGKILL, power cut) long ago."""
    now = time.time()
    for p in root.glob(".*"):
        if p.name.startswith((".download-", ".unpack-")):
            with contextlib.suppress(OSError):
                if now - p.lstat().st_mtime > max_age_s:
                    shutil.rmtree(p) if p.is_dir() and not p.is_symlink() else p.unlink()


def _missing_ancestors(path: Path) -> list[Path]:
    """`path` and its parents that do not exist yet, deepest first (to undo on failure)."""
    missing = []
    for p in (path, *path.parents):
        if p.exists():
            break
        missing.append(p)
    return missing


def _remove_created(created: list[Path]) -> None:
    for p in created:
        try:
            p.rmdir()  # only if still empty: never remove anything we did not create
        except OSError:
            break
