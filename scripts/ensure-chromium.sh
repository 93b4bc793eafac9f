#!/usr/bin/env bash
# ensure-chromium.sh: the console's browser tests (internal/console) drive a
# headless Chromium. If none is installed and we are root with apt-get, the
# Debian package "chromium" is installed; otherwise we stop and say how to
# get it. The tests never skip for want of a browser.
set -euo pipefail

log() { printf 'ensure-chromium: %s\n' "$*" >&2; }

find_chromium() {
  local c
  if [ -n "${MOTCUA_CHROMIUM:-}" ] && [ -x "$MOTCUA_CHROMIUM" ]; then
    echo "$MOTCUA_CHROMIUM"; return 0
  fi
  for c in chromium chromium-browser google-chrome google-chrome-stable; do
    command -v "$c" >/dev/null 2>&1 && { command -v "$c"; return 0; }
  done
  return 1
}

if find_chromium >/dev/null; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  log "Chromium not found; installing the Debian package 'chromium'…"
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2
  find_chromium >/dev/null && exit 0
fi
log "Chromium is not installed, and the web console's browser tests need it."
log "Install it with:  sudo apt-get install -y chromium   (Debian/Ubuntu)"
log "or point the tests at a Chrome or Chromium binary:  MOTCUA_CHROMIUM=/path/to/chrome make test"
exit 1
