#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Searching a big call diary in the window. Writes a diary of N calls (default 2,400,000, as
# many as the 10-minute soak of issue #13: 100 callers c0000 … c0099, so "c0050" matches 1%)
# the way the version before the search index left it (schema 3), then runs the window on it
# twice (tests/gui/test-diary-search in its benchmark mode, under xvfb-run):
#
#   first   the upgrade to schema 4 and the open time; a search while the writer thread
#           builds the index (read from the table); how long building it took; searches
#   second  the index built: the open time and the searches of every day, then three more
#           openings alone
#
# and prints the figures ("after the last key" includes the search box's 150 ms pause for
# typing; "sqlite" is the search on its worker thread), the file's size and the index's.
# The file is read from the page cache (warm), as on a laptop that has just written it.
#
#   build-aux/bench-diary-search.sh [N_CALLS]        default 2400000
#
# Environment: BUILD (default build/), KEEP=1 keeps the diary folder. Needs python3 (its
# sqlite3 module writes the rows, through the same libsqlite3) and xvfb-run. A benchmark,
# not a test: it reports numbers.

set -euo pipefail

die() { printf 'bench-diary-search: %s\n' "$*" >&2; exit 1; }

n_calls=${1:-2400000}
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD:-$top/build}
program=$build/tests/gui/test-diary-search

[ -x "$program" ] || die "no $program (meson compile -C $build)"
command -v python3 >/dev/null || die "python3 is not installed"
command -v xvfb-run >/dev/null || die "xvfb-run is not installed (Debian: xvfb)"

work=$(mktemp -d)
cleanup() {
  if [ "${KEEP:-0}" = 1 ]; then
    printf 'bench-diary-search: kept %s\n' "$work" >&2
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT
mkdir -p "$work/ustredna"
db=$work/ustredna/calls.db

# --- the diary, as schema 3 wrote it ---------------------------------------------------------
# Calls as a sipp soak leaves them (Call-IDs "N-PID@IP", four events each, one in fifty busy).
started=$(date +%s.%N)
python3 - "$db" "$n_calls" <<'PY'
import sqlite3, sys
path, n = sys.argv[1], int(sys.argv[2])
db = sqlite3.connect(path, isolation_level=None)
db.executescript("""
PRAGMA journal_mode = WAL;
PRAGMA synchronous = OFF;
CREATE TABLE calls (
  id INTEGER PRIMARY KEY, call_id TEXT NOT NULL, caller TEXT, caller_name TEXT,
  callee TEXT, caller_addr TEXT, callee_addr TEXT,
  start_time INTEGER NOT NULL DEFAULT 0, ring_time INTEGER NOT NULL DEFAULT 0,
  answer_time INTEGER NOT NULL DEFAULT 0, end_time INTEGER NOT NULL DEFAULT 0,
  state TEXT NOT NULL DEFAULT 'setup', final_code INTEGER NOT NULL DEFAULT 0,
  final_reason TEXT, orig_reason TEXT, ended_by TEXT NOT NULL DEFAULT '',
  video INTEGER NOT NULL DEFAULT 0, video_now INTEGER NOT NULL DEFAULT 0,
  on_hold INTEGER NOT NULL DEFAULT 0, transfer_to TEXT, transfer_result TEXT,
  related_call_id TEXT, caller_ua TEXT, callee_ua TEXT,
  UNIQUE (call_id, start_time));
CREATE TABLE events (
  id INTEGER PRIMARY KEY,
  call INTEGER NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
  time INTEGER NOT NULL, kind TEXT NOT NULL, detail TEXT);
CREATE INDEX events_by_call ON events (call, time);
ALTER TABLE calls ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
CREATE INDEX calls_by_start ON calls (start_time);
CREATE INDEX calls_by_seq ON calls (seq);
CREATE TABLE journal (id INTEGER PRIMARY KEY CHECK (id = 0), seq INTEGER NOT NULL);
INSERT INTO journal VALUES (0, 0);
PRAGMA user_version = 3;
""")
db.execute("BEGIN")
db.execute("""
WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < ?1)
INSERT INTO calls (id, call_id, caller, callee, caller_addr, callee_addr, start_time, ring_time,
                   answer_time, end_time, state, final_code, final_reason, orig_reason, ended_by,
                   caller_ua, callee_ua, seq)
SELECT i, i || '-' || (31000 + i / 240000) || '@127.0.0.1', printf('c%04d@127.0.0.1', i % 100),
       'service@127.0.0.1', '127.0.0.1:5061', '127.0.0.1:5062',
       1795542022000000 + i * 250, 1795542022000000 + i * 250 + 1000,
       1795542022000000 + i * 250 + 2000, 1795542022000000 + i * 250 + 2002000,
       CASE WHEN i % 50 = 0 THEN 'busy' ELSE 'ended' END,
       CASE WHEN i % 50 = 0 THEN 486 ELSE 200 END,
       CASE WHEN i % 50 = 0 THEN 'Busy Here' ELSE 'OK' END,
       CASE WHEN i % 50 = 0 THEN 'Busy Here' ELSE 'OK' END,
       'caller', 'sipp', 'sipp', i
FROM k""", (n,))
db.execute("""
WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < ?1),
     e(j, kind, detail) AS (VALUES (0, 'calling', 'INVITE from 127.0.0.1:5061'),
                                   (1, 'ringing', '180 Ringing'), (2, 'answered', '200 OK'),
                                   (3, 'ended', 'BYE from 127.0.0.1:5061'))
INSERT INTO events (call, time, kind, detail)
SELECT i, 1795542022000000 + i * 250 + j * 1000, kind, detail FROM k, e""", (n,))
db.execute("COMMIT")
db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
db.close()
PY
made=$(date +%s.%N)
size_before=$(stat -c %s "$db")
printf 'diary: %d calls, %.2f GB (schema 3, written in %.0f s)\n' "$n_calls" \
  "$(awk -v s="$size_before" 'BEGIN { print s / 1e9 }')" \
  "$(awk -v a="$started" -v b="$made" 'BEGIN { print b - a }')"

# Runs the window on the diary; with "open" as $1 it only opens it.
run_window() {
  G_DEBUG=gc-friendly LC_ALL=C.UTF-8 GTK_A11Y=none NO_AT_BRIDGE=1 GSETTINGS_BACKEND=memory \
    GSK_RENDERER=cairo GDK_DEBUG=gl-disable UST_DIARY_BENCH_DIR=$work \
    UST_DIARY_BENCH_OPEN_ONLY=${1:+1} xvfb-run -a "$program" 2>&1 | sed -n 's/^# bench: //p'
}

echo "first opening (upgrade from schema 3, index built in the background):"
run_window | sed 's/^/  /'
echo "second opening (index built):"
run_window | sed 's/^/  /'
# The test program closes calls.db when it ends, as the application does when it quits, and
# SQLite then removes the write-ahead log; a log left behind (a killed program: the index
# build leaves a few hundred MB) would be read again at every opening. Its size is printed.
wal_mb() { awk -v s="$(stat -c %s "$db-wal" 2>/dev/null || echo 0)" 'BEGIN { printf "%.0f", s / 1e6 }'; }
echo "three more openings (write-ahead log $(wal_mb) MB):"
for _ in 1 2 3; do run_window open | sed 's/^/  /'; done

python3 - "$db" "$size_before" <<'PY'
import os, sqlite3, sys
path, before = sys.argv[1], int(sys.argv[2])
db = sqlite3.connect(path)
try:
    index = db.execute("SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'calls_search%'").fetchone()[0]
except sqlite3.Error:
    index = None
size = os.path.getsize(path)
n = db.execute("SELECT count(*) FROM calls").fetchone()[0]
print('file: %.2f GB now (%.2f GB before)' % (size / 1e9, before / 1e9), end='')
if index:
    print(', search index %.0f MB (%.0f bytes a call)' % (index / 1e6, index / max(n, 1)))
else:
    print()
PY
