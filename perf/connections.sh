#!/usr/bin/env bash
# Holds many idle SMTP sessions (after EHLO, plaintext) open against Mta and reports the memory
# each costs: (RSS with N sessions - RSS with none) / N. See perf/README.md.
set -euo pipefail

usage() {
  cat <<'TEXT'
Usage: perf/connections.sh [options]

Starts Mta on a free loopback port with the per-client and total connection limits out of the
way and a command timeout longer than the hold, measures its RSS with no session, opens N
idle sessions with "mta-loadgen --idle-sessions N --hold TIME", measures the RSS again while
they are held, then lets them QUIT and stops Mta.

  --sessions N      idle sessions to hold (default 10000)
  --hold TIME       how long they are held (default 30s; the RSS is read 5 s after all are open)
  --out DIR         where the result goes (default: perf/results/connections-DATE-TIME)
  --skip-build      use the Release builds already there
  -h, --help        this text
TEXT
}

source "$(dirname "${BASH_SOURCE[0]}")/perf-lib.sh"

SESSIONS=10000 HOLD=30s OUT="" SKIP_BUILD=0
while (( $# )); do
  case "$1" in
    --sessions) SESSIONS=$2; shift 2 ;;
    --hold) HOLD=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --skip-build) SKIP_BUILD=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown option $1" ;;
  esac
done
[[ $SESSIONS =~ ^[1-9][0-9]*$ ]] || die "--sessions must be a positive whole number"
HOLD_SECONDS=$(awk -v t="$HOLD" 'BEGIN { n = t + 0; if (t ~ /ms$/) n /= 1000; else if (t ~ /m$/) n *= 60; else if (t ~ /h$/) n *= 3600; print int(n) }')
(( HOLD_SECONDS >= 10 )) || die "--hold must be at least 10s: the RSS is read 5 s into it"

# Each side needs a descriptor per session plus its own files.
NEEDED=$(( SESSIONS + 2000 ))
if (( $(ulimit -Hn) < NEEDED )); then
  ulimit -Hn "$NEEDED" 2>/dev/null || die "the hard limit on open files is $(ulimit -Hn), $NEEDED needed (run as root)"
fi
ulimit -n "$NEEDED"

(( SKIP_BUILD )) || build_all
for tool in "$MTA_DLL" "$LOADGEN"; do [[ -e $tool ]] || die "$tool is missing: build it or drop --skip-build"; done

WORK=$(mktemp -d /tmp/mta-connections.XXXXXX)
OUT=${OUT:-$PERF_DIR/results/connections-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
PORT=$(free_port)
MTA_PID="" LOAD_PID=""
cleanup() {
  if [[ -n $LOAD_PID ]]; then kill -TERM "$LOAD_PID" 2>/dev/null || true; fi
  if [[ -n $MTA_PID ]]; then kill -TERM "$MTA_PID" 2>/dev/null || true; fi
}
trap cleanup EXIT

cat > "$WORK/mta.conf" <<EOF
mta {
  myhostname = "perf-mta.localdomain"
  data-dir = "$WORK/data"
  smtpd.listen = ["127.0.0.1:$PORT"]
  admin.listen = ""
  # No limit per client address (every session comes from 127.0.0.1), room above N in total,
  # and no 421 for idleness before the hold ends.
  smtpd.client-connection-limit = 0
  smtpd.connection-limit = $(( SESSIONS + 1000 ))
  smtpd.timeout = $(( HOLD_SECONDS + 300 ))s
}
EOF

log "starting Mta on 127.0.0.1:$PORT (open files limit $(ulimit -n)); load average $(loadavg)"
dotnet "$MTA_DLL" serve --config "$WORK/mta.conf" > "$WORK/mta.log" 2>&1 &
MTA_PID=$!
wait_port "$PORT" 60 || die "Mta did not listen; see $WORK/mta.log"

# A few sessions first, so that the code every session runs is compiled before the baseline.
"$LOADGEN" --port "$PORT" --idle-sessions 20 --hold 0 > "$WORK/warmup.txt" 2>&1 || die "warm-up sessions failed; see $WORK/warmup.txt"
sleep 3
RSS_ZERO=$(process_rss_kb "$MTA_PID")
log "RSS with no session: $RSS_ZERO kB"

"$LOADGEN" --port "$PORT" --idle-sessions "$SESSIONS" --hold "$HOLD" --json "$WORK/idle.json" > "$WORK/idle.txt" 2>&1 &
LOAD_PID=$!
waited=0
until grep -q '^holding ' "$WORK/idle.txt" 2>/dev/null; do
  kill -0 "$LOAD_PID" 2>/dev/null || die "the load generator stopped before holding; see $WORK/idle.txt"
  (( waited < 3000 )) || die "sessions not all open after 300 s"
  sleep 0.1
  waited=$((waited + 1))
done
log "$(grep '^holding ' "$WORK/idle.txt")"
sleep 5
SERVER_SIDE=$(ss -Htn state established "sport = :$PORT" | wc -l)
RSS_SAMPLES=()
for _ in 1 2 3; do
  RSS_SAMPLES+=("$(process_rss_kb "$MTA_PID")")
  sleep 1
done
RSS_HELD=$(printf '%s\n' "${RSS_SAMPLES[@]}" | median)
LOAD_DURING=$(loadavg)
log "RSS while holding: $RSS_HELD kB (samples ${RSS_SAMPLES[*]}), $SERVER_SIDE established connections on the server side"

wait "$LOAD_PID" || log "warning: the load generator exited with $?"
LOAD_PID=""
sleep 2
RSS_AFTER=$(process_rss_kb "$MTA_PID")
PEAK=$(awk '$1 == "VmHWM:" { print $2 }' "/proc/$MTA_PID/status")
kill -TERM "$MTA_PID" 2>/dev/null || true
wait "$MTA_PID" 2>/dev/null || true
MTA_PID=""

OPENED=$(json_number "$WORK/idle.json" opened)
ANSWERED=$(json_number "$WORK/idle.json" answered_quit)
OPEN_SECONDS=$(json_number "$WORK/idle.json" open_s)
PER_CONNECTION=$(awk -v a="$RSS_ZERO" -v b="$RSS_HELD" -v n="$SESSIONS" 'BEGIN { printf "%.1f", (b - a) / n }')
{
  echo "## Idle connections against Mta, $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "| measure | value |"
  echo "|---|---:|"
  echo "| sessions requested | $SESSIONS |"
  echo "| sessions opened (greeting + EHLO) | ${OPENED:-?} in ${OPEN_SECONDS:-?} s |"
  echo "| established on the server side while held | $SERVER_SIDE |"
  echo "| answered QUIT after the $HOLD hold | ${ANSWERED:-?} |"
  echo "| RSS with no session | $(( RSS_ZERO / 1024 )) MB |"
  echo "| RSS while holding | $(( RSS_HELD / 1024 )) MB |"
  echo "| RSS after they quit | $(( RSS_AFTER / 1024 )) MB |"
  echo "| peak RSS (VmHWM) | $(( PEAK / 1024 )) MB |"
  echo "| **memory per connection** = (held - none) / $SESSIONS | **$PER_CONNECTION kB** |"
  echo
  echo "Load average (1, 5, 15 min) while holding: $LOAD_DURING. Errors: $(awk '/^  errors/ { $1 = ""; sub(/^ +/, ""); print; exit }' "$WORK/idle.txt")."
  echo "Logs: $WORK."
} | tee "$OUT/connections.md"
