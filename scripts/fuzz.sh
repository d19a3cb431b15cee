#!/usr/bin/env bash
# Coverage-guided fuzzing (issue 14): SharpFuzz 2.3.0 with AFL++ (Debian's afl++).
#
#   scripts/fuzz.sh [--seconds N] [--timeout MS] [--out DIR] [TARGET...]
#
# Installs afl++ (apt) and the SharpFuzz.CommandLine tool (dotnet tool, into fuzz/.tools) when missing, publishes
# fuzz/VcspGen.Fuzz, instruments the copies of VcspGen.dll, VcspGen.Spec.dll and VcspGen.Runtime.dll in the publish
# folder (never the build's own), and runs each TARGET (default: all) under afl-fuzz for N seconds (default 300), one
# after the other, from its seed corpus in fuzz/corpus/TARGET. Prints, per target: seconds run, executions, edges
# found (of the 65536 of AFL's map) and bitmap coverage, crashes and hangs; writes the same to DIR/summary.tsv.
# Findings are kept in DIR/TARGET (default DIR: artifacts/fuzz). Exits non-zero when any target found a crash or a
# hang, or ran nothing, or saw no edge (the instrumentation did not take).
# Replay a finding without afl: dotnet DIR/bin/VcspGen.Fuzz.dll TARGET FILE...
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

all_targets=(dispatch sip sdp framer ts relay)
seconds=300
timeout_ms=5000
out=artifacts/fuzz
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --timeout) timeout_ms=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
[ "${#targets[@]}" -gt 0 ] || targets=("${all_targets[@]}")
for t in "${targets[@]}"; do
  if [ ! -d "fuzz/corpus/$t" ]; then
    echo "fuzz.sh: unknown target $t (one of ${all_targets[*]})" >&2
    exit 2
  fi
done
case "$seconds" in ''|*[!0-9]*) echo "fuzz.sh: --seconds takes a whole number" >&2; exit 2 ;; esac
mkdir -p "$out"
out=$(cd "$out" && pwd)

if ! command -v dotnet >/dev/null 2>&1; then
  echo "fuzz.sh: the .NET SDK is required (dotnet not found on PATH)" >&2
  exit 1
fi
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# AFL++ from Debian.
if ! command -v afl-fuzz >/dev/null 2>&1; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
      sudo="sudo"
    else
      echo "fuzz.sh: afl-fuzz is missing (Debian's afl++); run as root or install it first" >&2
      exit 1
    fi
  fi
  echo "fuzz.sh: installing afl++"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends afl++ >/dev/null
fi

# SharpFuzz's instrumenting tool, the version of the SharpFuzz package (Directory.Packages.props).
sharpfuzz_version=2.3.0
tools="$repo/fuzz/.tools"
if [ ! -x "$tools/sharpfuzz" ] || ! dotnet tool list --tool-path "$tools" | grep -qi "sharpfuzz.commandline *$sharpfuzz_version"; then
  echo "fuzz.sh: installing SharpFuzz.CommandLine $sharpfuzz_version"
  rm -rf "$tools"
  dotnet tool install SharpFuzz.CommandLine --version "$sharpfuzz_version" --tool-path "$tools" >/dev/null
fi

# Publish, then instrument the published copies of the assemblies under test.
bin="$out/bin"
rm -rf "$bin"
echo "fuzz.sh: publishing fuzz/VcspGen.Fuzz"
dotnet publish fuzz/VcspGen.Fuzz/VcspGen.Fuzz.csproj -c Release -o "$bin" -v quiet -nologo >"$out/publish.log" 2>&1 \
  || { cat "$out/publish.log" >&2; exit 1; }
for assembly in VcspGen.dll VcspGen.Spec.dll VcspGen.Runtime.dll; do
  "$tools/sharpfuzz" "$bin/$assembly" >"$out/instrument-$assembly.log" 2>&1 \
    || { echo "fuzz.sh: instrumenting $assembly failed:" >&2; cat "$out/instrument-$assembly.log" >&2; exit 1; }
done

# In a container: no core_pattern or CPU governor to set, no screen, and cores shared with others.
export AFL_SKIP_BIN_CHECK=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_SKIP_CPUFREQ=1 AFL_NO_UI=1 AFL_NO_AFFINITY=1
export AFL_SKIP_CRASHES=1 # a seed that crashes is reported below, not fatal to the run

stat() { sed -n "s/^$2 *: *//p" "$1/default/fuzzer_stats" 2>/dev/null | head -1; }
count() { find "$1" -maxdepth 1 -type f -name 'id:*' 2>/dev/null | wc -l; }

summary="$out/summary.tsv"
printf 'target\tseconds\texecs\tedges\ttotal_edges\tbitmap_cvg\tcrashes\thangs\n' >"$summary"
status=0
for t in "${targets[@]}"; do
  findings="$out/$t"
  rm -rf "$findings"
  dict=()
  [ -f "fuzz/dict/$t.dict" ] && dict=(-x "fuzz/dict/$t.dict")
  echo "fuzz.sh: $t for ${seconds}s"
  set +e
  afl-fuzz -i "fuzz/corpus/$t" -o "$findings" -t "$timeout_ms" -m none -V "$seconds" "${dict[@]}" \
    -- dotnet "$bin/VcspGen.Fuzz.dll" "$t" >"$out/$t.log" 2>&1
  rc=$?
  set -e
  run_time=$(stat "$findings" run_time); execs=$(stat "$findings" execs_done)
  edges=$(stat "$findings" edges_found); total=$(stat "$findings" total_edges); cvg=$(stat "$findings" bitmap_cvg)
  crashes=$(count "$findings/default/crashes"); hangs=$(count "$findings/default/hangs")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "${run_time:-0}" "${execs:-0}" "${edges:-0}" "${total:-?}" "${cvg:-?}" "$crashes" "$hangs" >>"$summary"
  printf 'fuzz.sh: %-8s %6ss  %10s execs  %6s edges of %s (%s)  %s crashes  %s hangs\n' \
    "$t" "${run_time:-0}" "${execs:-0}" "${edges:-0}" "${total:-?}" "${cvg:-?}" "$crashes" "$hangs"
  if [ "$rc" -ne 0 ] || [ -z "$execs" ]; then
    echo "fuzz.sh: afl-fuzz failed on $t (exit $rc); its output:" >&2
    tail -n 30 "$out/$t.log" >&2
    status=1
  elif [ "${execs:-0}" -eq 0 ] || [ "${edges:-0}" -eq 0 ]; then
    echo "fuzz.sh: $t ran no input or saw no edge: the instrumentation did not take" >&2
    status=1
  fi
  if [ "$crashes" -gt 0 ] || [ "$hangs" -gt 0 ]; then
    echo "fuzz.sh: $t found $crashes crash(es) and $hangs hang(s) in $findings/default; replay with: dotnet $bin/VcspGen.Fuzz.dll $t FILE" >&2
    status=1
  fi
done
exit "$status"
