#!/usr/bin/env bash
# Idempotent setup for Debian/Ubuntu: the system libraries coach_app needs, then a .venv with the
# package and its test tools. Safe to run again; does nothing that is already done.
set -euo pipefail
cd "$(dirname "$0")"

# PortAudio (sounddevice), flite + espeak-ng (English / Mandarin practice customers and test speech),
# Xvfb (screenshots), Qt's X11/EGL libs.
APT_PACKAGES="libportaudio2 libsndfile1 flite espeak-ng xvfb xauth libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 \
libfontconfig1 libdbus-1-3 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-xinerama0 \
libxcb-randr0 libxcb-render-util0 libxcb-image0 fonts-noto-cjk"

PY=${PYTHON:-python3}
"$PY" -c "import ensurepip, venv" 2>/dev/null || APT_PACKAGES="$APT_PACKAGES python3-venv"

missing=""
for pkg in $APT_PACKAGES; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing="$missing $pkg"
done
if [ -n "$missing" ]; then
  echo "setup: installing system packages:$missing"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  "$PY" -m venv .venv
fi
stamp=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -f "$stamp" ]; then
  echo "setup: installing coach_app and its dependencies into .venv"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e '.[test,speed]'
  rm -f .venv/.installed-* && touch "$stamp"
fi
