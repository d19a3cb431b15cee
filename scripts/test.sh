#!/usr/bin/env bash
# README's test command: installs what the tests need and the machine lacks (sipp from Debian's sip-tester, ffmpeg
# and ffprobe, tshark, systemd-analyze, tmux, baresip), then builds and runs every test.
# Prints "N passed, N failed" as its last line and exits non-zero when anything fails.
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
echo "$passed passed, $failed failed"
exit "$status"
