# Shared shell functions for perf/compare.sh and perf/connections.sh (sourced, not run).
# They need bash, root (cgroups, Postfix) and Linux /proc.

PERF_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$PERF_DIR/.." && pwd)
MTA_DLL="$REPO_DIR/src/Mta/bin/Release/net10.0/mta.dll"
SINK="$PERF_DIR/Mta.Sink/bin/Release/net10.0/mta-sink"
LOADGEN="$PERF_DIR/Mta.LoadGen/bin/Release/net10.0/mta-loadgen"
PLOT="$PERF_DIR/Mta.Plot/bin/Release/net10.0/mta-plot"

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Builds the MTA and the perf tools in Release, one project per command.
build_all() {
  local project
  for project in src/Mta perf/Mta.Sink perf/Mta.LoadGen "$@"; do
    log "building $project (Release)"
    (cd "$REPO_DIR" && dotnet build -c Release --nologo -v quiet "$project" >/dev/null) || die "build of $project failed"
  done
}

# A TCP port on 127.0.0.1 that nothing listens on now.
free_port() {
  local port
  for _ in $(seq 1 200); do
    port=$(( (RANDOM % 30000) + 20000 ))
    if ! ss -Htln "sport = :$port" 2>/dev/null | grep -q .; then
      echo "$port"
      return 0
    fi
  done
  die "no free port found"
}

# Waits until something accepts connections on 127.0.0.1:$1, at most $2 seconds.
wait_port() {
  local port=$1 limit=${2:-30} waited=0
  until ss -Htln "sport = :$port" 2>/dev/null | grep -q .; do
    sleep 0.2
    waited=$((waited + 1))
    (( waited < limit * 5 )) || return 1
  done
}

# The first number stored under "$2" in the JSON file $1 (our own indented JSON: one key per line).
json_number() {
  grep -m1 "\"$2\": *-\?[0-9]" "$1" 2>/dev/null | sed 's/.*": *\(-\?[0-9.eE+-]*\).*/\1/' || true
}

# The median of the numbers on stdin (empty input gives nothing).
median() {
  sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) exit; if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# --- CPU accounting with a cgroup of our own -------------------------------------------------
# A cgroup v2 directory gives cpu.stat usage_usec for every process in it, including children
# that have exited; cgroup v1's cpuacct.usage (nanoseconds) is the fallback.

cgroup_root() {
  if [[ -f /sys/fs/cgroup/cgroup.controllers ]]; then echo /sys/fs/cgroup
  elif [[ -f /sys/fs/cgroup/unified/cgroup.controllers ]]; then echo /sys/fs/cgroup/unified
  elif [[ -f /sys/fs/cgroup/cpuacct/cpuacct.usage ]]; then echo /sys/fs/cgroup/cpuacct
  else return 1
  fi
}

# Creates a cgroup named $1 and prints its path.
cgroup_create() {
  local root path
  root=$(cgroup_root) || die "no cgroup hierarchy to count CPU with (needs cgroup v2 or v1 cpuacct)"
  path="$root/$1"
  mkdir "$path" || die "cannot create cgroup $path (run as root)"
  echo "$path"
}

# CPU time used so far by every process that ever ran in cgroup $1, in microseconds.
cgroup_cpu_usec() {
  if [[ -f "$1/cpu.stat" ]]; then
    awk '$1 == "usage_usec" { print $2 }' "$1/cpu.stat"
  else
    echo $(( $(cat "$1/cpuacct.usage") / 1000 ))
  fi
}

# Process ids in cgroup $1.
cgroup_pids() { cat "$1/cgroup.procs" 2>/dev/null || true; }

# Waits up to $2 seconds for cgroup $1 to empty, kills what is left (only processes we started
# are in it), and removes it.
cgroup_remove() {
  local path=$1 limit=${2:-30} waited=0
  [[ -d "$path" ]] || return 0
  while [[ -n "$(cgroup_pids "$path")" ]] && (( waited < limit * 5 )); do
    sleep 0.2
    waited=$((waited + 1))
  done
  local pid
  for pid in $(cgroup_pids "$path"); do
    log "killing leftover process $pid in $path"
    kill -KILL "$pid" 2>/dev/null || true
  done
  sleep 0.2
  rmdir "$path" 2>/dev/null || log "warning: cgroup $path not removed"
}

# Samples every 250 ms the resident memory of all processes in cgroup $1, summed, and keeps
# the peak in file $2 as "RSS_KB PSS_KB" (PSS shares each shared page among the processes that
# map it, so a multi-process server is not charged twice for its libraries). Runs until killed.
memory_sampler() {
  local path=$1 out=$2 peak_rss=0 peak_pss=0 pids rss pss
  echo "0 0" > "$out"
  while :; do
    pids=$(cgroup_pids "$path")
    if [[ -n "$pids" ]]; then
      read -r rss pss < <(
        for pid in $pids; do cat "/proc/$pid/smaps_rollup" 2>/dev/null; done |
          awk '$1 == "Rss:" { r += $2 } $1 == "Pss:" { p += $2 } END { print r + 0, p + 0 }')
      if (( rss > peak_rss || pss > peak_pss )); then
        if (( rss > peak_rss )); then peak_rss=$rss; fi
        if (( pss > peak_pss )); then peak_pss=$pss; fi
        echo "$peak_rss $peak_pss" > "$out"
      fi
    fi
    sleep 0.25
  done
}

# Resident memory of process $1 now, in kB.
process_rss_kb() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status" 2>/dev/null; }

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
