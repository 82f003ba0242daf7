#!/usr/bin/env bash
# Schemathesis against the JSON API, end to end: a fresh SQLite database with the bundled network
# and the demo, a network admin with a write token and a read token, the server, three runs
# (anonymous, read token, write token) over /api/v1/openapi.json, then the server is stopped.
#
#   bash bench/security/schemathesis.sh [BINARY]
#
# BINARY: a built `sharedtable` (default: release/sharedtable under $CARGO_TARGET_DIR, else
# under target/; when there is no release build, debug/sharedtable). Not part of `cargo test` or
# .ci/run: it installs schemathesis from PyPI (pinned in requirements.txt beside this file) into
# VENV (default bench/security/.venv) unless it is there already.
# Environment: PORT (8099), MAX_EXAMPLES (test cases per operation and phase, 100), SEED (1),
# WORKERS (1), RUNS ("anonymous read write": which runs, in order), VENV.
# Settings: schemathesis.toml beside this file (why 428 answers a missing If-Match).
# Reports (the full log, JUnit XML and NDJSON events per run) and the server log go to
# bench/out/schemathesis/. Each run's summary is printed; the last lines give, per run, the test
# cases generated and the server errors (ST101) found. The exit status is non-zero when any run
# found a failure of any check.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
here="$root/bench/security"
targets="${CARGO_TARGET_DIR:-$root/target}"
bin="${1:-$targets/release/sharedtable}"
[ -n "${1:-}" ] || [ -x "$bin" ] || bin="$targets/debug/sharedtable"
[ -x "$bin" ] || { echo "no binary at $bin: build it (cargo build --release -p sharedtable) or name it" >&2; exit 2; }
echo "server binary: $bin"
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
PORT=${PORT:-8099}; MAX_EXAMPLES=${MAX_EXAMPLES:-100}; SEED=${SEED:-1}; WORKERS=${WORKERS:-1}
RUNS=${RUNS:-"anonymous read write"}
out="$root/bench/out/schemathesis"; mkdir -p "$out"

venv="${VENV:-$here/.venv}"
if [ ! -x "$venv/bin/schemathesis" ]; then
  "${PYTHON:-python3}" -m venv "$venv"
  "$venv/bin/pip" install --quiet -r "$here/requirements.txt"
fi
st="$venv/bin/schemathesis"
echo "$("$st" --version)"

db="$out/st-schema.db"; rm -f "$db" "$db"-wal "$db"-shm
url="sqlite://$db"
base="http://127.0.0.1:$PORT"
"$bin" --database-url "$url" demo --listen "127.0.0.1:$PORT" > "$out/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 300); do curl -fs "$base/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fs "$base/healthz" >/dev/null || { echo "the server did not start; see $out/server.log" >&2; exit 2; }

echo 'schemathesis admin password' | "$bin" --database-url "$url" admin create --email admin@example.org --password-stdin > /dev/null
write_token=$("$bin" --database-url "$url" token create --email admin@example.org --scope write --label schemathesis-write | tail -1)
read_token=$("$bin" --database-url "$url" token create --email admin@example.org --scope read --label schemathesis-read | tail -1)

status=0
summary=()
for run in $RUNS; do
  auth=()
  case $run in
    anonymous) ;;
    read) auth=(-H "Authorization: Bearer $read_token") ;;
    write) auth=(-H "Authorization: Bearer $write_token") ;;
    *) echo "unknown run '$run' (use anonymous, read, write)" >&2; exit 2 ;;
  esac
  echo "== schemathesis run: $run"
  # Schemathesis keeps a cache of earlier failures under .schemathesis/ of its working directory
  # and replays them; each run starts without one, so that runs are independent and repeatable.
  rm -rf "$out/.schemathesis"
  set +e
  (cd "$out" && "$st" --config-file "$here/schemathesis.toml" run "$base/api/v1/openapi.json" "${auth[@]}" \
    --checks all --max-examples "$MAX_EXAMPLES" --seed "$SEED" --workers "$WORKERS" \
    --request-timeout 60 --generation-database none --no-color \
    --report junit,ndjson --report-dir "$out" \
    --report-junit-path "$out/$run.junit.xml" --report-ndjson-path "$out/$run.ndjson" \
    > "$out/$run.log" 2>&1)
  rc=$?
  set -e
  sed -n '/= SUMMARY =/,$p' "$out/$run.log"
  [ "$rc" -eq 0 ] || status=1
  cases=$(grep -A1 '^Test cases:' "$out/$run.log" | tail -1 | sed 's/^ *//')
  server_errors=$(grep -c '^- ST101 ' "$out/$run.log" || true)
  summary+=("$run: exit $rc; $cases; server errors (ST101): $server_errors")
done
echo
echo "== summary (logs, JUnit and NDJSON in $out)"
for s in "${summary[@]}"; do echo "$s"; done
echo "internal errors logged by the server: $(grep -c 'internal error' "$out/server.log" || true)"
exit $status
