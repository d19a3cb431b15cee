#!/usr/bin/env bash
# README's test command: installs what the tests need and the machine lacks (sipp from Debian's sip-tester, ffmpeg
# and ffprobe, tshark, systemd-analyze, tmux, baresip, afl-fuzz from afl++, nats-server), then builds and runs every test, then the
# fuzzing smoke: scripts/fuzz.sh runs each fuzz target for 10 seconds (FUZZ_SMOKE_SECONDS; 0 skips it), each target a
# check that passes when it ran inputs, saw edges, and found no crash or hang.
# Prints "N passed, N failed" as its last line (the tests and the fuzz targets) and exits non-zero when anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v dotnet >/dev/null 2>&1; then
  echo "test.sh: the .NET SDK 10.0.401 is required (dotnet not found on PATH)" >&2
  exit 1
fi

# Real SIP peers, real media and real captures (issue 5): installed from Debian's packages when missing.
missing=()
command -v sipp >/dev/null 2>&1 || missing+=(sip-tester)
command -v baresip >/dev/null 2>&1 || missing+=(baresip-core) # a real SIP user agent (issue 14)
{ command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1; } || missing+=(ffmpeg)
{ command -v tshark >/dev/null 2>&1 && command -v text2pcap >/dev/null 2>&1; } || missing+=(tshark)
# The systemd unit in deploy/ is checked with systemd-analyze verify (issue 13).
command -v systemd-analyze >/dev/null 2>&1 || missing+=(systemd)
command -v tmux >/dev/null 2>&1 || missing+=(tmux) # the terminal client's tests run it in a real terminal (issue 13)
command -v afl-fuzz >/dev/null 2>&1 || missing+=(afl++) # the fuzzing smoke below (issue 14)
ldconfig -p 2>/dev/null | grep -q libpcap.so || missing+=(libpcap0.8) # vcsp decode reads captures through it (issue 15)
command -v nats-server >/dev/null 2>&1 || missing+=(nats-server) # the cluster tests run a real NATS server with JetStream (issue 16)
if [ "${#missing[@]}" -gt 0 ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
      sudo="sudo"
    else
      echo "test.sh: the tests need ${missing[*]} (Debian packages); run as root or install them first" >&2
      exit 1
    fi
  fi
  echo "test.sh: installing ${missing[*]}"
  # tshark's package asks whether non-root users may capture: answer no, without a prompt.
  echo 'wireshark-common wireshark-common/install-setuid boolean false' | $sudo debconf-set-selections
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
dotnet test VcspGen.sln -c Release 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# Microsoft.Testing.Platform prints one "total / failed / succeeded" block per test project: add them up.
passed=$(grep -E '^\s+succeeded: [0-9]+' "$log" | awk '{s += $2} END {print s + 0}')
failed=$(grep -E '^\s+failed: [0-9]+' "$log" | awk '{s += $2} END {print s + 0}')
if [ "$status" -eq 0 ] && [ "$passed" -eq 0 ]; then
  echo "test.sh: no test ran" >&2
  status=1
fi
grep -E '^failed ' "$log" | sed 's/^/test.sh: /' >&2 || true

# The fuzzing smoke (issue 14): after the tests, so that afl-fuzz competes with no timing-sensitive test for the
# cores. Each target counts as one check; fuzz.sh's summary says which ran clean.
smoke_seconds=${FUZZ_SMOKE_SECONDS:-10}
if [ "$smoke_seconds" -gt 0 ]; then
  echo "test.sh: fuzzing smoke, ${smoke_seconds}s per target"
  smoke=artifacts/fuzz-smoke
  rm -rf "$smoke"
  set +e
  ./scripts/fuzz.sh --seconds "$smoke_seconds" --out "$smoke"
  smoke_status=$?
  set -e
  clean=0
  dirty=0
  if [ -f "$smoke/summary.tsv" ]; then
    clean=$(awk -F '\t' 'NR > 1 && $3 > 0 && $4 > 0 && $7 == 0 && $8 == 0' "$smoke/summary.tsv" | wc -l)
    dirty=$(awk -F '\t' 'NR > 1 && !($3 > 0 && $4 > 0 && $7 == 0 && $8 == 0)' "$smoke/summary.tsv" | wc -l)
  fi
  if [ "$smoke_status" -ne 0 ] && [ "$dirty" -eq 0 ]; then
    dirty=1 # fuzz.sh failed before a target could report
  fi
  passed=$((passed + clean))
  failed=$((failed + dirty))
  if [ "$smoke_status" -ne 0 ] || [ "$clean" -eq 0 ]; then
    echo "test.sh: the fuzzing smoke failed (scripts/fuzz.sh exit $smoke_status)" >&2
    status=1
  fi
fi
echo "$passed passed, $failed failed"
exit "$status"
