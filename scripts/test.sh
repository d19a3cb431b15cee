#!/usr/bin/env bash
# README's test command: checks the machine has what the tests need, then builds and runs every test.
# Prints "N passed, N failed" as its last line and exits non-zero when anything fails.
# (The tests need only the .NET SDK for now; the runtime's tests will add sipp, ffmpeg and tshark here.)
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v dotnet >/dev/null 2>&1; then
  echo "test.sh: the .NET SDK 10.0.401 is required (dotnet not found on PATH)" >&2
  exit 1
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
