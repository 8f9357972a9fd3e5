#!/usr/bin/env bash
# Runs the same SMTP load on loopback against Mta and against a private Postfix instance, both
# relaying everything to mta-sink, and prints the medians side by side. See perf/README.md.
set -euo pipefail

usage() {
  cat <<'TEXT'
Usage: perf/compare.sh [options]      (as root: it makes cgroups and runs Postfix)

Runs, for each scenario and each MTA, a closed-loop load --runs times (interleaved: Mta,
Postfix, Mta, ...), then a fixed-rate load at a rate both can carry, and prints the medians
with the ratio Mta/Postfix. Every server listens on 127.0.0.1 only, on free ports.

  --runs N             runs per MTA and scenario (default 3)
  --duration TIME      length of each closed-loop run, warm-up included (default 30s)
  --warmup TIME        load sent before each measured run and left out of every figure (default 5s)
  --sessions N         concurrent SMTP sessions of the load generator (default 20)
  --size BYTES         message body size (default 4096)
  --scenarios LIST     "plain tls", "plain" or "tls" (default "plain tls")
  --rate N             msgs/s of the fixed-rate run (default: half the lower plaintext median)
  --rate-duration TIME length of each fixed-rate run (default 20s)
  --no-rate            skip the fixed-rate run
  --drain-timeout SEC  longest wait for the sink to receive every accepted message (default 90)
  --out DIR            where results go (default: perf/results/compare-DATE-TIME)
  --skip-build         use the Release builds already there
  -h, --help           this text

Scenarios: plain = plaintext on both legs, relay permitted by mynetworks;
           tls   = STARTTLS on both legs (ECDSA P-256 certificates from "mta pki"), relay
                   permitted by the client certificate's sha256 fingerprint only.
If Mta does not know mta.smtp.tls yet, its tls scenario is inbound TLS only (said in the output).
TEXT
}

source "$(dirname "${BASH_SOURCE[0]}")/perf-lib.sh"

RUNS=3 DURATION=30s WARMUP=5s SESSIONS=20 SIZE=4096 SCENARIOS="plain tls"
RATE="" RATE_DURATION=20s DO_RATE=1 DRAIN_TIMEOUT=90 OUT="" SKIP_BUILD=0
while (( $# )); do
  case "$1" in
    --runs) RUNS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --sessions) SESSIONS=$2; shift 2 ;;
    --size) SIZE=$2; shift 2 ;;
    --scenarios) SCENARIOS=$2; shift 2 ;;
    --rate) RATE=$2; shift 2 ;;
    --rate-duration) RATE_DURATION=$2; shift 2 ;;
    --no-rate) DO_RATE=0; shift ;;
    --drain-timeout) DRAIN_TIMEOUT=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --skip-build) SKIP_BUILD=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown option $1" ;;
  esac
done
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "--runs must be a positive whole number"
[[ $(id -u) == 0 ]] || die "run as root: cgroups for CPU accounting and a private Postfix instance need it"
for scenario in $SCENARIOS; do [[ $scenario == plain || $scenario == tls ]] || die "unknown scenario $scenario"; done

# --- Set-up ----------------------------------------------------------------------------------

if [[ ! -x /usr/sbin/postfix ]]; then
  log "installing Postfix (no system configuration: nothing of it runs)"
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y postfix >/dev/null
fi
(( SKIP_BUILD )) || build_all perf/Mta.Plot
for tool in "$MTA_DLL" "$SINK" "$LOADGEN" "$PLOT"; do [[ -e $tool ]] || die "$tool is missing: build it or drop --skip-build"; done

WORK=$(mktemp -d /tmp/mta-compare.XXXXXX)
chmod 755 "$WORK"   # Postfix's unprivileged daemons must reach their queue inside it
OUT=${OUT:-$PERF_DIR/results/compare-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
RESULTS="$OUT/runs.tsv"
printf 'mta\tscenario\tmode\trun\taccepted_per_s\tdelivered_per_s\tp50_ms\tp99_ms\tcpu_ms_per_msg\tpeak_rss_mb\tpeak_pss_mb\taccepted\tdelivered\terrors\tloadavg\n' > "$RESULTS"

# What this script has running now is stopped on exit, whatever happens (ids are cleared once
# waited for, so a later process that reuses an id is never hit).
ACTIVE_SINK="" ACTIVE_MTA="" ACTIVE_POSTFIX="" ACTIVE_CGROUP=""
cleanup() {
  if [[ -n $ACTIVE_POSTFIX ]]; then postfix -c "$ACTIVE_POSTFIX" stop >/dev/null 2>&1 || true; fi
  if [[ -n $ACTIVE_MTA ]]; then kill -TERM "$ACTIVE_MTA" 2>/dev/null || true; fi
  if [[ -n $ACTIVE_SINK ]]; then kill -TERM "$ACTIVE_SINK" 2>/dev/null || true; fi
  if [[ -n $ACTIVE_CGROUP ]]; then cgroup_remove "$ACTIVE_CGROUP" 10 || true; fi
}
trap cleanup EXIT

mta() { dotnet "$MTA_DLL" "$@"; }

PKI="$WORK/pki"
mkdir -p "$PKI"
log "making an ECDSA P-256 CA and certificates with mta pki"
mta pki ca --name "Perf Test CA" --out-cert "$PKI/ca.pem" --out-key "$PKI/ca.key" >/dev/null
mta pki issue --ca "$PKI/ca.pem" --ca-key "$PKI/ca.key" --name perf-mta.localdomain --san localhost --out-cert "$PKI/mta.pem" --out-key "$PKI/mta.key" >/dev/null
mta pki issue --ca "$PKI/ca.pem" --ca-key "$PKI/ca.key" --name perf-postfix.localdomain --san localhost --out-cert "$PKI/postfix.pem" --out-key "$PKI/postfix.key" >/dev/null
mta pki issue --ca "$PKI/ca.pem" --ca-key "$PKI/ca.key" --name sink.localhost --out-cert "$PKI/sink.pem" --out-key "$PKI/sink.key" >/dev/null
mta pki issue --ca "$PKI/ca.pem" --ca-key "$PKI/ca.key" --name loadgen --client --out-cert "$PKI/client.pem" --out-key "$PKI/client.key" >/dev/null
CLIENT_FP=$(mta pki fingerprint --digest sha256 "$PKI/client.pem" | cut -d' ' -f1)
chmod 644 "$PKI"/*.pem
chmod 640 "$PKI"/*.key && chgrp postfix "$PKI/postfix.key" 2>/dev/null || true

# Does this build of Mta deliver with TLS? An unknown key stops "config check".
OUR_OUTBOUND_TLS=0
printf 'mta.smtp.tls.security-level = encrypt\n' > "$WORK/probe.conf"
if mta config check --config "$WORK/probe.conf" >/dev/null 2>&1; then OUR_OUTBOUND_TLS=1; fi

# --- Configurations --------------------------------------------------------------------------

# Mta: $1 folder, $2 port, $3 sink port, $4 scenario.
write_mta_config() {
  local dir=$1 port=$2 sink_port=$3 scenario=$4
  {
    echo "mta {"
    echo "  myhostname = \"perf-mta.localdomain\""
    echo "  data-dir = \"$dir/data\""
    echo "  smtpd.listen = [\"127.0.0.1:$port\"]"
    echo "  admin.listen = \"\""
    echo "  mydestination = [\"localhost\"]"
    echo "  smtp.relayhost = \"[127.0.0.1]:$sink_port\""
    if [[ $scenario == tls ]]; then
      echo "  mynetworks = [\"127.0.0.2/32\"]"   # not the load generator: relay only by certificate
      echo "  smtpd.recipient-restrictions = [permit_tls_clientcerts, reject_unauth_destination]"
      echo "  smtpd.relay-clientcerts { \"$CLIENT_FP\" = \"loadgen\" }"
      echo "  smtpd.tls { security-level = encrypt, cert-file = \"$PKI/mta.pem\", key-file = \"$PKI/mta.key\", ca-file = \"$PKI/ca.pem\", ask-ccert = yes, fingerprint-digest = sha256 }"
      if (( OUR_OUTBOUND_TLS )); then
        # verify: the sink's certificate must chain to our CA and name sink.localhost.
        echo "  smtp.tls { ca-file = \"$PKI/ca.pem\", policy-maps { \"[127.0.0.1]:$sink_port\" = \"verify match=sink.localhost\" } }"
      fi
    else
      echo "  mynetworks = [\"127.0.0.0/8\"]"
    fi
    echo "}"
  } > "$dir/mta.conf"
}

# Postfix: a private instance in $1 (config, queue and data folders of its own), port $2.
write_postfix_config() {
  local dir=$1 port=$2 sink_port=$3 scenario=$4
  mkdir -p "$dir/etc" "$dir/spool" "$dir/data"
  chown postfix "$dir/data"
  cat > "$dir/etc/main.cf" <<EOF
compatibility_level = 3.6
config_directory = $dir/etc
queue_directory = $dir/spool
data_directory = $dir/data
meta_directory = /etc/postfix
mail_owner = postfix
setgid_group = postdrop
maillog_file = $dir/maillog
maillog_file_prefixes = $dir
myhostname = perf-postfix.localdomain
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
relayhost = [127.0.0.1]:$sink_port
smtp_address_preference = ipv4
EOF
  if [[ $scenario == tls ]]; then
    echo "$CLIENT_FP loadgen" > "$dir/etc/relay_clientcerts"
    echo "[127.0.0.1]:$sink_port verify match=sink.localhost" > "$dir/etc/tls_policy"
    cat >> "$dir/etc/main.cf" <<EOF
mynetworks = 127.0.0.2/32
smtpd_relay_restrictions = permit_tls_clientcerts, reject_unauth_destination
smtpd_tls_security_level = encrypt
smtpd_tls_cert_file = $PKI/postfix.pem
smtpd_tls_key_file = $PKI/postfix.key
smtpd_tls_CAfile = $PKI/ca.pem
smtpd_tls_ask_ccert = yes
smtpd_tls_fingerprint_digest = sha256
relay_clientcerts = texthash:$dir/etc/relay_clientcerts
smtpd_tls_session_cache_database = btree:\${data_directory}/smtpd_scache
# verify: the sink's certificate must chain to our CA and name sink.localhost.
smtp_tls_CAfile = $PKI/ca.pem
smtp_tls_policy_maps = texthash:$dir/etc/tls_policy
smtp_tls_session_cache_database = btree:\${data_directory}/smtp_scache
# Postfix reuses TLS connections to a nexthop only through tlsproxy, and only when asked;
# Mta keeps its connections, so Postfix gets the same chance.
smtp_tls_connection_reuse = yes
EOF
  else
    cat >> "$dir/etc/main.cf" <<EOF
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
EOF
  fi
  # Debian's master.cf with chroot off (the private queue has no chroot set-up) and the
  # SMTP listener on our port.
  cat > "$dir/etc/master.cf" <<EOF
127.0.0.1:$port inet n - n - - smtpd
pickup     unix  n - n 60 1 pickup
cleanup    unix  n - n - 0 cleanup
qmgr       unix  n - n 300 1 qmgr
tlsmgr     unix  - - n 1000? 1 tlsmgr
rewrite    unix  - - n - - trivial-rewrite
bounce     unix  - - n - 0 bounce
defer      unix  - - n - 0 bounce
trace      unix  - - n - 0 bounce
verify     unix  - - n - 1 verify
flush      unix  n - n 1000? 0 flush
proxymap   unix  - - n - - proxymap
proxywrite unix  - - n - 1 proxymap
smtp       unix  - - n - - smtp
relay      unix  - - n - - smtp
showq      unix  n - n - - showq
error      unix  - - n - - error
retry      unix  - - n - - error
discard    unix  - - n - - discard
local      unix  - n n - - local
virtual    unix  - n n - - virtual
lmtp       unix  - - n - - lmtp
anvil      unix  - - n - 1 anvil
scache     unix  - - n - 1 scache
tlsproxy   unix  - - n - 0 tlsproxy
postlog    unix-dgram n - n - 1 postlogd
EOF
}

# --- One run ---------------------------------------------------------------------------------

# wait_for_sink DIR COUNT WHAT: waits until the sink in DIR has received COUNT recipients, at
# most DRAIN_TIMEOUT seconds, then one series interval more so that the file has them all.
wait_for_sink() {
  local dir=$1 expected=${2:-0} what=$3 received waited=0
  while :; do
    received=$(json_number "$dir/sink.json" recipients)
    received=${received:-0}
    if (( received >= expected )); then break; fi
    if (( waited >= DRAIN_TIMEOUT * 2 )); then
      log "warning: $what: the sink has $received of $expected after ${DRAIN_TIMEOUT}s"
      break
    fi
    sleep 0.5
    waited=$((waited + 1))
  done
  sleep 1.2
}

# run_one MTA SCENARIO MODE RUN [RATE]: starts a sink and the MTA (in a cgroup of its own), runs
# the load, waits for the sink to receive what was accepted, and appends a line to $RESULTS.
run_one() {
  local which=$1 scenario=$2 mode=$3 run=$4 rate=${5:-}
  local id="$which-$scenario-$mode-$run" dir port sink_port sink_pid mta_pid="" sampler_pid cg
  dir="$WORK/$id"
  mkdir -p "$dir"
  chmod 755 "$dir"
  local load_avg
  load_avg=$(loadavg)

  local sink_args=(--port 0 --port-file "$dir/sink.port" --series "$dir/sink.json" --quiet --duration 900s)
  [[ $scenario == tls ]] && sink_args+=(--tls-cert "$PKI/sink.pem" --tls-key "$PKI/sink.key")
  "$SINK" "${sink_args[@]}" > "$dir/sink.log" 2>&1 &
  sink_pid=$!
  ACTIVE_SINK=$sink_pid
  for _ in $(seq 1 100); do [[ -s "$dir/sink.port" ]] && break; sleep 0.1; done
  sink_port=$(cat "$dir/sink.port")
  port=$(free_port)

  cg=$(cgroup_create "mta-compare-$$-$id")
  ACTIVE_CGROUP=$cg
  if [[ $which == mta ]]; then
    write_mta_config "$dir" "$port" "$sink_port" "$scenario"
    bash -c 'echo $$ > "$1/cgroup.procs"; shift; exec "$@"' _ "$cg" dotnet "$MTA_DLL" serve --config "$dir/mta.conf" > "$dir/mta.log" 2>&1 &
    mta_pid=$!
    ACTIVE_MTA=$mta_pid
  else
    write_postfix_config "$dir" "$port" "$sink_port" "$scenario"
    ACTIVE_POSTFIX="$dir/etc"
    # The master forks from here, so it and every daemon it starts are in the cgroup.
    bash -c 'echo $$ > "$1/cgroup.procs"; exec postfix -c "$2" start' _ "$cg" "$dir/etc" > "$dir/postfix-start.log" 2>&1 \
      || die "Postfix did not start; see $dir/postfix-start.log and $dir/maillog"
  fi
  wait_port "$port" 60 || die "$which did not listen on $port; see $dir"

  local load_args=(--port "$port" --sessions "$SESSIONS" --size "$SIZE" --rcpt-domain perf.example --from loadgen@perf.example)
  if [[ $mode == rate ]]; then
    load_args+=(--rate "$rate")
  fi
  [[ $scenario == tls ]] && load_args+=(--starttls --tls-cert "$PKI/client.pem" --tls-key "$PKI/client.key" --tls-ca "$PKI/ca.pem")

  memory_sampler "$cg" "$dir/memory" &
  sampler_pid=$!

  # Warm-up load, not measured: JIT compilation, connection caches and Postfix's daemon
  # processes are in place before the clock starts, for both MTAs alike.
  "$LOADGEN" "${load_args[@]}" --duration "$WARMUP" --warmup 0 --json "$dir/warmup.json" > "$dir/warmup.txt" 2>&1 \
    || log "warning: warm-up load exited with $? ($id)"
  local warm_accepted
  warm_accepted=$(json_number "$dir/warmup.json" accepted_recipients)
  wait_for_sink "$dir" "${warm_accepted:-0}" "$id warm-up"

  local cpu_before cpu_after start_epoch delivered_before
  delivered_before=$(json_number "$dir/sink.json" messages)
  start_epoch=$(date +%s.%N)
  cpu_before=$(cgroup_cpu_usec "$cg")
  local duration=$DURATION
  [[ $mode == rate ]] && duration=$RATE_DURATION
  "$LOADGEN" "${load_args[@]}" --duration "$duration" --warmup 1s --json "$dir/load.json" > "$dir/load.txt" 2> "$dir/load.progress" \
    || log "warning: load generator exited with $? ($id)"
  local warm_recipients load_recipients
  warm_recipients=$(json_number "$dir/warmup.json" accepted_recipients)
  load_recipients=$(json_number "$dir/load.json" accepted_recipients)
  local expected=$(( ${warm_recipients:-0} + ${load_recipients:-0} ))
  wait_for_sink "$dir" "$expected" "$id"
  cpu_after=$(cgroup_cpu_usec "$cg")
  kill "$sampler_pid" 2>/dev/null || true
  wait "$sampler_pid" 2>/dev/null || true

  if [[ $which == mta ]]; then
    kill -TERM "$mta_pid" 2>/dev/null || true
    wait "$mta_pid" 2>/dev/null || true
    ACTIVE_MTA=""
  else
    postfix -c "$dir/etc" stop >/dev/null 2>&1 || true
    ACTIVE_POSTFIX=""
  fi
  cgroup_remove "$cg" 30
  ACTIVE_CGROUP=""
  kill -TERM "$sink_pid" 2>/dev/null || true
  wait "$sink_pid" 2>/dev/null || true
  ACTIVE_SINK=""

  local accepted accepted_rate delivered delivered_rate p50 p99 cpu_ms peak_rss peak_pss errors
  accepted=$(json_number "$dir/load.json" accepted_total)
  accepted_rate=$(json_number "$dir/load.json" accepted_per_s)
  p50=$(json_number "$dir/load.json" p50)
  p99=$(json_number "$dir/load.json" p99)
  # Delivered during the measured load: from its start (in the sink's clock) to the last message.
  delivered=$(( $(json_number "$dir/sink.json" messages) - ${delivered_before:-0} ))
  delivered_rate=$(awk -v n="$delivered" -v s="$start_epoch" -v z="$(date -d "$(grep -m1 '"started_at"' "$dir/sink.json" | cut -d'"' -f4)" +%s.%N)" \
    -v l="$(json_number "$dir/sink.json" last_message_s)" 'BEGIN { d = l - (s - z); if (d > 0) printf "%.1f", n / d; else print "nan" }')
  errors=$(awk '/^  errors/ { $1 = ""; sub(/^ +/, ""); print; exit }' "$dir/load.txt")
  read -r peak_rss peak_pss < "$dir/memory"
  cpu_ms=$(awk -v b="$cpu_before" -v a="$cpu_after" -v n="${delivered:-0}" 'BEGIN { if (n > 0) printf "%.3f", (a - b) / 1000 / n; else print "nan" }')
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$which" "$scenario" "$mode" "$run" \
    "${accepted_rate:-0}" "${delivered_rate:-0}" "${p50:-nan}" "${p99:-nan}" "$cpu_ms" \
    "$(awk -v k="$peak_rss" 'BEGIN { printf "%.1f", k / 1024 }')" "$(awk -v k="$peak_pss" 'BEGIN { printf "%.1f", k / 1024 }')" \
    "${accepted:-0}" "${delivered:-0}" "${errors:-?}" "$load_avg" >> "$RESULTS"
  log "$id: accepted ${accepted_rate:-0}/s, delivered ${delivered_rate:-0}/s, p50 ${p50:-?} ms, p99 ${p99:-?} ms, CPU $cpu_ms ms/msg, peak RSS $((peak_rss / 1024)) MB, errors: ${errors:-?} (load average $load_avg)"
}

# --- Report ----------------------------------------------------------------------------------

# median_of MTA SCENARIO MODE COLUMN
median_of() {
  awk -F'\t' -v m="$1" -v s="$2" -v o="$3" -v c="$4" 'NR > 1 && $1 == m && $2 == s && $3 == o { print $c }' "$RESULTS" | median
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "-"; else printf "%.2f", a / b }'; }

print_table() {
  local scenario=$1 mode=$2 title=$3
  local rows=("accepted msgs/s:5" "delivered msgs/s (end to end):6" "p50 accept latency ms:7" "p99 accept latency ms:8"
    "CPU ms per message:9" "peak RSS MB (sum of processes):10" "peak PSS MB (shared pages split):11")
  echo
  echo "### $title"
  echo
  echo "| median of $RUNS | Mta | Postfix | Mta/Postfix |"
  echo "|---|---:|---:|---:|"
  local row name column ours theirs
  for row in "${rows[@]}"; do
    name=${row%:*} column=${row##*:}
    ours=$(median_of mta "$scenario" "$mode" "$column")
    theirs=$(median_of postfix "$scenario" "$mode" "$column")
    echo "| $name | ${ours:--} | ${theirs:--} | $(ratio "$ours" "$theirs") |"
  done
}

# --- The runs --------------------------------------------------------------------------------

log "results in $OUT; load average before: $(loadavg)"
(( OUR_OUTBOUND_TLS )) || log "note: this Mta has no outbound TLS (mta.smtp.tls unknown): its tls scenario is inbound TLS only"
for run in $(seq 1 "$RUNS"); do
  for scenario in $SCENARIOS; do
    for which in mta postfix; do
      run_one "$which" "$scenario" closed "$run"
    done
  done
done

if (( DO_RATE )); then
  if [[ -z $RATE ]]; then
    base_scenario=$(echo "$SCENARIOS" | awk '{ print $1 }')
    RATE=$(awk -v a="$(median_of mta "$base_scenario" closed 5)" -v b="$(median_of postfix "$base_scenario" closed 5)" \
      'BEGIN { m = (a < b ? a : b); r = int(m / 2); print (r < 1 ? 1 : r) }')
  fi
  RATE_SCENARIO=$(echo "$SCENARIOS" | awk '{ print $1 }')
  log "fixed-rate runs at $RATE msgs/s ($RATE_SCENARIO)"
  for run in $(seq 1 "$RUNS"); do
    for which in mta postfix; do
      run_one "$which" "$RATE_SCENARIO" rate "$run" "$RATE"
    done
  done
fi

# Plots from the median run (by accepted rate) of each MTA and scenario.
median_run_series() {
  awk -F'\t' -v m="$1" -v s="$2" 'NR > 1 && $1 == m && $2 == s && $3 == "closed" { print $5, $4 }' "$RESULTS" |
    sort -g | awk '{ r[NR] = $2 } END { print r[int((NR + 1) / 2)] }'
}
for scenario in $SCENARIOS; do
  ours_run=$(median_run_series mta "$scenario")
  theirs_run=$(median_run_series postfix "$scenario")
  label=$([[ $scenario == tls ]] && echo "STARTTLS" || echo "plaintext")
  "$PLOT" --out "$OUT/throughput-$scenario.png" --title "Delivered to the sink per second, $label, $SESSIONS sessions, $SIZE-byte messages (warm-up load first)" \
    "Mta=$WORK/mta-$scenario-closed-$ours_run/sink.json" "Postfix $(postconf -d -h mail_version)=$WORK/postfix-$scenario-closed-$theirs_run/sink.json" >/dev/null \
    || log "warning: plot for $scenario failed"
done

{
  echo "## Mta vs Postfix $(postconf -d -h mail_version), $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "$SESSIONS sessions, $SIZE-byte bodies, 1 recipient, pipelining, connection reuse; closed loop for $DURATION"
  echo "after a $WARMUP warm-up load that no figure includes; $(nproc) CPUs, load generator and sink on the same machine."
  for scenario in $SCENARIOS; do
    if [[ $scenario == tls ]]; then
      if (( OUR_OUTBOUND_TLS )); then
        print_table tls closed "STARTTLS both legs, relay by client certificate fingerprint"
      else
        print_table tls closed "STARTTLS, relay by client certificate fingerprint (Mta: inbound TLS only, this build has no outbound TLS; Postfix: both legs)"
      fi
    else
      print_table plain closed "Plaintext both legs, relay by mynetworks"
    fi
  done
  if (( DO_RATE )); then
    print_table "$RATE_SCENARIO" rate "Fixed arrival rate $RATE msgs/s ($RATE_SCENARIO, $RATE_DURATION): compare CPU ms per message"
  fi
  echo
  echo "Load average (1, 5, 15 min) at the start of each run: $(awk -F'\t' 'NR > 1 { print $15 }' "$RESULTS" | cut -d' ' -f1 | sort -g | sed -n '1p;$p' | paste -sd'-' -) (1-min, lowest-highest)."
  echo "Per-run figures: $RESULTS; plots: $OUT/throughput-*.png; logs: $WORK/<mta>-<scenario>-<mode>-<run>/."
} | tee "$OUT/table.md"
