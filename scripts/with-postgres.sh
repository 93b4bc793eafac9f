#!/usr/bin/env bash
# with-postgres.sh CMD…: starts a throwaway PostgreSQL (initdb + pg_ctl in a
# temporary directory, on a free loopback port), runs CMD with
# MOTCUA_TEST_POSTGRES_URL pointing at it, and always stops and removes it.
#
# As root, the server runs as the "postgres" user (PostgreSQL refuses root).
# If the server binaries are missing and we are root with apt-get, the
# Debian package is installed; otherwise we stop and say how to get them.
set -euo pipefail

log() { printf 'with-postgres: %s\n' "$*" >&2; }

find_bindir() {
  local d
  if command -v pg_config >/dev/null 2>&1; then
    d=$(pg_config --bindir 2>/dev/null || true)
    [ -x "$d/initdb" ] && { echo "$d"; return 0; }
  fi
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -rV); do
    [ -x "$d/initdb" ] && { echo "$d"; return 0; }
  done
  command -v initdb >/dev/null 2>&1 && { dirname "$(command -v initdb)"; return 0; }
  return 1
}

BINDIR=$(find_bindir || true)
if [ -z "$BINDIR" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "PostgreSQL server binaries not found; installing the Debian package 'postgresql'…"
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
    BINDIR=$(find_bindir || true)
  fi
fi
if [ -z "$BINDIR" ]; then
  log "PostgreSQL server binaries (initdb, pg_ctl) are not installed, and the tests need them."
  log "Install them with:  sudo apt-get install -y postgresql   (Debian/Ubuntu)"
  log "or point the tests at a server you own:  MOTCUA_TEST_POSTGRES_URL=postgres://… go test ./..."
  exit 1
fi

RUNAS=()
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
  RUNAS=(runuser -u postgres --)
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/motcua-pg.XXXXXX")
chmod 755 "$TMP"
[ ${#RUNAS[@]} -gt 0 ] && chown postgres "$TMP"
DATA="$TMP/data"
# Run a server binary as the server's user, from a directory it can enter.
pg() { (cd "$TMP" && "${RUNAS[@]}" "$@"); }

cleanup() {
  pg "$BINDIR/pg_ctl" -D "$DATA" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

pg "$BINDIR/initdb" -D "$DATA" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 --no-sync >"$TMP/initdb.log" 2>&1 ||
  pg "$BINDIR/initdb" -D "$DATA" -U postgres --auth=trust --encoding=UTF8 --no-sync >"$TMP/initdb.log" 2>&1 ||
  { cat "$TMP/initdb.log" >&2; log "initdb failed"; exit 1; }

# Durability settings off by default: this cluster is thrown away after the
# run. MOTCUA_PG_DURABLE=1 keeps production's (fsync, synchronous_commit and
# full_page_writes on, as initdb leaves them) for benchmarks whose figures
# must hold for a real server, and loads pg_stat_statements so they can count
# the statements a call makes.
DURABILITY="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
if [ "${MOTCUA_PG_DURABLE:-}" = 1 ]; then
  DURABILITY="-c fsync=on -c synchronous_commit=on -c full_page_writes=on -c shared_preload_libraries=pg_stat_statements"
  log "durable settings: fsync, synchronous_commit and full_page_writes on"
fi

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

started=
for _ in 1 2 3 4 5 6 7 8 9 10; do
  PORT=$((20000 + RANDOM % 30000))
  port_free "$PORT" || continue
  if pg "$BINDIR/pg_ctl" -D "$DATA" -l "$TMP/server.log" -w -t 60 \
    -o "-p $PORT -c listen_addresses=127.0.0.1 -k $TMP $DURABILITY -c max_connections=300" \
    start >/dev/null; then
    started=1
    break
  fi
done
if [ -z "$started" ]; then
  cat "$TMP/server.log" >&2 || true
  log "could not start PostgreSQL"
  exit 1
fi

export MOTCUA_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$PORT/postgres?sslmode=disable"
log "PostgreSQL $("$BINDIR/postgres" --version | awk '{print $3}') running on 127.0.0.1:$PORT (data in $DATA)"
set +e
"$@"
rc=$?
set -e
exit $rc
