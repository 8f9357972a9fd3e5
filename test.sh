#!/usr/bin/env bash
# Runs the whole test suite on a fresh Debian machine: installs the peers the end-to-end tests
# talk to (swaks, openssl, dnsmasq, postfix) when they are missing, then runs every test project
# and prints the totals as one line: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")"

packages=()
command -v swaks >/dev/null 2>&1 || packages+=(swaks)
command -v openssl >/dev/null 2>&1 || packages+=(openssl)
# dnsmasq-base is the binary alone: no system resolver service is started.
[ -x /usr/sbin/dnsmasq ] || packages+=(dnsmasq-base)
# The tests run private Postfix instances (postfix -c DIR) on ports of their own; the system
# instance is neither configured ("No configuration") nor used.
if [ ! -x /usr/sbin/postfix ]; then
  packages+=(postfix)
  echo 'postfix postfix/main_mailer_type select No configuration' | debconf-set-selections
fi
if [ ${#packages[@]} -gt 0 ]; then
  echo "Installing ${packages[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq "${packages[@]}" >/dev/null || {
    echo "test.sh: could not install ${packages[*]}; install them and run again" >&2
    exit 1
  }
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
dotnet test Mta.sln --nologo 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# One summary line per test project: "Passed!  - Failed: 0, Passed: 171, Skipped: 0, ..."
passed=$(grep -E '^(Passed|Failed)!' "$log" | sed -E 's/.*Passed: *([0-9]+).*/\1/' | awk '{s+=$1} END {print s+0}')
failed=$(grep -E '^(Passed|Failed)!' "$log" | sed -E 's/.*Failed: *([0-9]+),.*/\1/' | awk '{s+=$1} END {print s+0}')
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  echo "dotnet test exited with $status (build error or crashed test host)"
  failed=1
fi
echo "$passed passed, $failed failed"
exit "$status"
