#!/usr/bin/env bash
# Network benchmark: import a national-scale network and load the pages that read it.
#
#   bash bench/network.sh            # 2,000 partnerships, 100,000 organizations, 1,000,000 observations
#   DURATION=10 bash bench/network.sh 200 10000 100000   # a smaller, quicker run
#   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test bash bench/network.sh ...
#                                    # the app on PostgreSQL (in a schema bench_network, made anew)
#
# Needs: sqlite3 and wrk (Debian packages `sqlite3`, `wrk`), and psql for PostgreSQL; builds the
# release binary.
# Prints a Markdown report (also written to bench/out/network-results.md) with:
#  - import rows/s of `sharedtable import` beside the raw `sqlite3 .import` of the same CSV rows
#    into the same schema, measured in the same run;
#  - p50/p99 latency and requests/s of wrk (64 connections, DURATION s, 2 threads) on the overview,
#    directory, a partnership page, the impact report and an API list, beside the server's static
#    route /healthz as the ceiling.
set -euo pipefail
cd "$(dirname "$0")/.."
PARTS=${1:-2000}; ORGS=${2:-100000}; OBS=${3:-1000000}
DURATION=${DURATION:-30}; CONNS=${CONNS:-64}; PORT=${PORT:-18080}
OUT=bench/out; DATA=$OUT/network; mkdir -p "$OUT"
for tool in sqlite3 wrk; do command -v $tool >/dev/null || { echo "bench needs $tool (apt-get install $tool)" >&2; exit 2; }; done

cargo build --release -q --bin sharedtable --example national_network
TARGET=${CARGO_TARGET_DIR:-target}; BIN=$TARGET/release/sharedtable
rm -rf "$DATA"; "$TARGET"/release/examples/national_network "$DATA" "$PARTS" "$ORGS" "$OBS"
TABLES="partnerships organizations memberships meetings meeting_attendance priorities action_teams action_team_members initiatives measures observations wins"
FILES=""; ROWS=0
for t in $TABLES; do
  FILES="$FILES $DATA/$t.csv"
  ROWS=$((ROWS + $(wc -l < "$DATA/$t.csv") - 1))
done

now() { date +%s.%N; }

# 1. sharedtable import (validation, reference checks, one transaction)
if [ -n "${BENCH_DATABASE_URL:-}" ]; then
  # PostgreSQL: a fresh schema of that database.
  BACKEND=PostgreSQL
  psql -q "$BENCH_DATABASE_URL" -c "DROP SCHEMA IF EXISTS bench_network CASCADE; CREATE SCHEMA bench_network"
  case "$BENCH_DATABASE_URL" in *\?*) SEP='&';; *) SEP='?';; esac
  APP_URL="${BENCH_DATABASE_URL}${SEP}options=-c%20search_path%3Dbench_network"
  slug_of() { psql -At "$BENCH_DATABASE_URL" -c "SET search_path = bench_network; $1" | tail -1; }
else
  BACKEND=SQLite
  DB_APP=$OUT/bench-app.db; rm -f "$DB_APP"*
  APP_URL="sqlite://$DB_APP"
  slug_of() { sqlite3 "$DB_APP" "$1"; }
fi
t0=$(now); "$BIN" --database-url "$APP_URL" import $FILES > "$OUT/import.log" 2>&1; t1=$(now)
APP_S=$(echo "$t1 - $t0" | bc -l)

# 2. raw sqlite3 .import of the same rows into the same schema (no validation)
DB_RAW=$OUT/bench-raw.db; rm -f "$DB_RAW"*
"$BIN" --database-url "sqlite://$DB_RAW" migrate > /dev/null
{ echo ".mode csv"; echo "PRAGMA journal_mode=WAL;"; echo "BEGIN;"; for t in $TABLES; do echo ".import --skip 1 $DATA/$t.csv $t"; done; echo "COMMIT;"; } > "$OUT/raw-import.sql"
t0=$(now); sqlite3 "$DB_RAW" < "$OUT/raw-import.sql" > /dev/null; t1=$(now)
RAW_S=$(echo "$t1 - $t0" | bc -l)
APP_RATE=$(echo "$ROWS / $APP_S" | bc -l); RAW_RATE=$(echo "$ROWS / $RAW_S" | bc -l)

# 3. serve and load
"$BIN" --database-url "$APP_URL" serve --listen "127.0.0.1:$PORT" > "$OUT/serve.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
SLUG=$(slug_of "SELECT slug FROM partnerships ORDER BY id LIMIT 1 OFFSET $((PARTS / 2))")
declare -a NAMES=("static /healthz (ceiling)" "overview /" "directory /partnerships" "partnership page" "impact report /report" "API list /api/v1/partnerships")
declare -a PATHS=("/healthz" "/" "/partnerships" "/partnerships/$SLUG" "/report" "/api/v1/partnerships")
# Each page twice: as anonymous visitors get it (answered from the page cache while the data is
# unchanged), and rendered afresh for every request (a Cookie header bypasses the cache).
results=()
run() { # name path extra-wrk-args...
  local name=$1 path=$2; shift 2
  local url="http://127.0.0.1:$PORT$path"
  code=$(curl -s -o /dev/null -w '%{http_code}' "$@" "$url")
  out=$(wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency "$@" "$url")
  p50=$(echo "$out" | awk '$1=="50%"{print $2}'); p99=$(echo "$out" | awk '$1=="99%"{print $2}')
  rps=$(echo "$out" | awk '/Requests\/sec/{print $2}')
  errs=$(echo "$out" | awk '/Non-2xx|Socket errors/{print}' | tr '\n' ' ')
  results+=("$name|$code|$p50|$p99|$rps|$errs")
}
for i in "${!PATHS[@]}"; do
  run "${NAMES[$i]}" "${PATHS[$i]}"
done
for i in 1 2 3 4 5; do
  run "${NAMES[$i]}, rendered per request" "${PATHS[$i]}" -H "Cookie: bench=uncached"
done
CEIL=$(echo "${results[0]}" | cut -d'|' -f5)

{
  echo "### Network benchmark, $(date -u +%Y-%m-%d), $(nproc) cores, the app on $BACKEND"
  echo
  echo "Command: \`${BENCH_DATABASE_URL:+BENCH_DATABASE_URL=$BENCH_DATABASE_URL }DURATION=$DURATION bash bench/network.sh $PARTS $ORGS $OBS\`"
  echo
  echo "Import of $ROWS rows ($PARTS partnerships, $ORGS organizations, $OBS observations):"
  echo
  echo "| importer | seconds | rows/s | ratio to raw |"
  echo "|---|---:|---:|---:|"
  printf "| sharedtable import on %s (validated, one transaction) | %.1f | %.0f | %.2f |\n" "$BACKEND" "$APP_S" "$APP_RATE" "$(echo "$APP_RATE / $RAW_RATE" | bc -l)"
  printf "| raw sqlite3 .import (same rows, same schema) | %.1f | %.0f | 1.00 |\n" "$RAW_S" "$RAW_RATE"
  echo
  echo "Load: wrk, $CONNS connections, 2 threads, ${DURATION} s per route, server and wrk on the same machine:"
  echo
  echo "| route | status | p50 | p99 | requests/s | share of static |"
  echo "|---|---:|---:|---:|---:|---:|"
  for r in "${results[@]}"; do
    IFS='|' read -r name code p50 p99 rps errs <<< "$r"
    printf "| %s | %s | %s | %s | %s | %.0f %% |%s\n" "$name" "$code" "$p50" "$p99" "$rps" "$(echo "100 * $rps / $CEIL" | bc -l)" "${errs:+ $errs}"
  done
} | tee "$OUT/network-results.md"
