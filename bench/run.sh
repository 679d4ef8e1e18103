#!/usr/bin/env bash
# bench/run.sh: the one command that benchmarks ActorSockets against the project's own
# reference servers and writes a Markdown table and an SVG chart. See bench/README.md.
#
#   bash bench/run.sh [--quick] [--pin] [--out DIR] [--rounds N] [--secs S]
#                     [--warm S] [--hold-conns N] [--only W1,W2] [--servers S1,S2] [--loadgen auto|shared|own]
#
# Progress goes to stderr, the final tables to stdout; results land in bench/results/.
# Everything runs on 127.0.0.1 and stops by itself; every server it starts is killed (its
# whole process group) on exit, failure or Ctrl-C.
set -u -o pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
command_line="bash bench/run.sh"
for a in "$@"; do
  if [[ $a =~ ^[A-Za-z0-9_./,=:+-]+$ ]]; then command_line+=" $a"; else command_line+=" $(printf %q "$a")"; fi
done

usage() {
  sed -n '2,7s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
  cat <<'EOF'
Options:
  --quick           1 round x 2 s per server and hold with 1000 connections (about 3 min)
  --pin             every workload pinned: servers on CPU 1, load generator on CPU 0
                    (pingpong-64-pinned runs pinned in any case)
  --out DIR         where results.tsv, results.md and chart.svg go (default bench/results)
  --rounds N        interleaved rounds per server (default 3, --quick 1)
  --secs S          measured seconds per round, after the warm-up (default 4, --quick 2)
  --warm S          warm-up seconds before each measured round, the same for every
                    server (default 1)
  --hold-conns N    idle connections for the hold workload (default 10000, --quick 1000)
  --only LIST       only these workloads (comma-separated; names as in results.md; "hold")
  --servers LIST    only these servers (comma-separated)
  --loadgen KIND    auto (default: ../shared/bench/loadgen when present, else the C# one),
                    shared or own
Environment:
  ECHO_CMD          command that starts the ActorSockets echo instead of the built sample;
                    run.sh appends "--port 0 --mode threading|forking [--workers 2]
                    [--one-shot] [--udp]" to it. ECHO_CMD=raw: RawEcho stands in (a dry
                    run of the pipeline; those rows are then not ActorSockets)
  PYTHON            Python interpreter for the reference server and scripts (default python3)
EOF
}

quick=0 pin_all=0 out=$here/results warm=1 rounds= secs= hold_conns= only= servers_only= lg_kind=auto
while [ $# -gt 0 ]; do
  case $1 in
    --quick) quick=1; shift ;;
    --pin) pin_all=1; shift ;;
    --out) out=${2:?--out needs a directory}; shift 2 ;;
    --rounds) rounds=${2:?}; shift 2 ;;
    --secs) secs=${2:?}; shift 2 ;;
    --warm) warm=${2:?}; shift 2 ;;
    --hold-conns) hold_conns=${2:?}; shift 2 ;;
    --only) only=${2:?}; shift 2 ;;
    --servers) servers_only=${2:?}; shift 2 ;;
    --loadgen) lg_kind=${2:?}; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
if [ $quick = 1 ]; then
  rounds=${rounds:-1} secs=${secs:-2} hold_conns=${hold_conns:-1000}
else
  rounds=${rounds:-3} secs=${secs:-4} hold_conns=${hold_conns:-10000}
fi
# request size, per-request timeout of the load generator (a request
# unanswered this long counts as an error), bound on one hold run
size=32 req_timeout=2 hold_timeout=60
[ $quick = 1 ] && hold_timeout=30
for v in "$rounds" "$secs" "$hold_conns" "$warm"; do
  [[ $v =~ ^[0-9]+$ ]] && [ "$v" -ge 1 ] || { echo "run.sh: counts must be positive integers" >&2; exit 2; }
done
[ "$rounds" -le 20 ] && [ "$secs" -le 60 ] && [ "$hold_conns" -le 100000 ] ||
  { echo "run.sh: at most 20 rounds, 60 s, 100000 connections" >&2; exit 2; }
case $lg_kind in auto|shared|own) ;; *) echo "run.sh: --loadgen auto|shared|own" >&2; exit 2 ;; esac
PYTHON=${PYTHON:-python3}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

t_start=$(date +%s)
say() { printf '%s\n' "$*" >&2; }
elapsed() { local s=$(($(date +%s) - t_start)); printf '%d:%02d' $((s / 60)) $((s % 60)); }

# ---------------------------------------------------------------- cleanup of everything started
tmp=$(mktemp -d "${TMPDIR:-/tmp}/actorsockets-bench.XXXXXX") || exit 2
groups=()     # process groups of running servers
children=()   # background pids of this script (servers, load generators)
cleanup() {
  local g p
  for g in "${groups[@]}"; do kill -TERM -- "-$g" 2>/dev/null; done
  for p in "${children[@]}"; do kill -TERM "$p" 2>/dev/null; done
  [ ${#groups[@]} -gt 0 ] && sleep 0.3
  for g in "${groups[@]}"; do kill -KILL -- "-$g" 2>/dev/null; done
  for p in "${children[@]}"; do kill -KILL "$p" 2>/dev/null; done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'say "run.sh: interrupted, stopping servers"; exit 130' INT TERM HUP

# The servers need as many descriptors as the hold workload opens (.NET raises its own
# limit; Python does not): raise this shell's soft limit, which they inherit.
ulimit -n "$(ulimit -Hn)" 2>/dev/null
fd_limit=$(ulimit -n)
if [ "$fd_limit" != unlimited ] && [ $((hold_conns + 100)) -gt "$fd_limit" ]; then
  say "note: descriptor limit $fd_limit: hold lowered from $hold_conns to $((fd_limit - 100)) connections"
  hold_conns=$((fd_limit - 100))
fi

# ---------------------------------------------------------------- build
# The two .NET servers that are measured (the Echo sample and RawEcho) are published the way a
# .NET server ships, ReadyToRun-compiled: each 4 s round starts a fresh process, and without
# it the first seconds are spent JIT-compiling (Akka has much more code to compile than
# RawEcho, so JIT time was a large part of the gap in short rounds). If the ReadyToRun
# compiler cannot be had, they are built plainly, and results.md says which.
rid=linux-$(uname -m | sed 's/x86_64/x64/; s/aarch64/arm64/')
build_kind="ReadyToRun ($rid)"
build() { # name project outdir [r2r]
  local log=$tmp/build-$1.log
  if [ "${4:-}" = r2r ] && [ "$build_kind" != plain ]; then
    say "[build $(elapsed)] $1: dotnet publish -c Release -r $rid -p:PublishReadyToRun=true ${2#"$root"/}"
    if dotnet publish -c Release -nologo -r "$rid" --self-contained false -p:PublishReadyToRun=true \
      "$2" -o "$3" >"$log" 2>&1; then return 0; fi
    say "[build] $1: ReadyToRun publish failed ($(grep -m1 -E 'error' "$log" | cut -c1-160)); building plainly"
    build_kind=plain
  fi
  say "[build $(elapsed)] $1: dotnet build -c Release ${2#"$root"/}"
  if dotnet build -c Release -nologo "$2" -o "$3" >"$log" 2>&1; then return 0; fi
  say "[build] $1 FAILED; last lines of the log:"
  grep -E 'error|Error' "$log" | tail -15 >&2 || tail -15 "$log" >&2
  return 1
}
command -v dotnet >/dev/null || { say "run.sh: dotnet is not on PATH"; exit 2; }
command -v "$PYTHON" >/dev/null || { say "run.sh: $PYTHON is not on PATH"; exit 2; }

declare -A unavailable=()   # server -> reason
echo_dll=
shopt -s nullglob
sample_projects=("$root"/samples/*/*.csproj)
shopt -u nullglob
for proj in "${sample_projects[@]}"; do
  name=$(basename "$proj" .csproj)
  kind=
  [ "$name" = Echo ] && kind=r2r
  if build "sample-$name" "$proj" "$tmp/samples/$name" $kind; then
    [ "$name" = Echo ] && echo_dll=$tmp/samples/Echo/Echo.dll
  elif [ "$name" != Echo ]; then
    say "warning: sample $name does not build in Release (not used by the workloads)"
  fi
done
raw_dll=$tmp/raw/RawEcho.dll
build raw-echo "$here/reference/RawEcho/RawEcho.csproj" "$tmp/raw" r2r ||
  unavailable[raw-dotnet]="bench/reference/RawEcho does not build"
if [ "${ECHO_CMD:-}" = raw ]; then
  # a stand-in to try the pipeline before samples/Echo exists: RawEcho accepts (and ignores)
  # the Echo sample's --port/--mode/--workers options
  echo_cmd="dotnet $(printf %q "$raw_dll")"
  say "note: ECHO_CMD=raw: the ActorSockets rows are RawEcho standing in, not ActorSockets"
elif [ -n "${ECHO_CMD:-}" ]; then
  echo_cmd=$ECHO_CMD
  say "note: ActorSockets echo started as ECHO_CMD: $ECHO_CMD"
elif [ -n "$echo_dll" ]; then
  echo_cmd="dotnet $(printf %q "$echo_dll")"
else
  echo_cmd=
  reason="samples/Echo/Echo.csproj is missing"
  [ -f "$root/samples/Echo/Echo.csproj" ] && reason="samples/Echo does not build in Release"
  unavailable[actorsockets-threading]=$reason
  unavailable[actorsockets-forking]=$reason
  say "warning: ActorSockets echo unavailable: $reason (set ECHO_CMD to use another command)"
fi
# Kestrel's connection handler: what a .NET user would pick instead of ActorSockets. It is part
# of the shared bench (../shared/bench/kestrel), so it is built from there at run time (a copy
# in the temporary folder, as that folder may be read-only), never copied into this repo.
# Streams only: it sits out udp-16.
kestrel_src=$root/../shared/bench/kestrel
kestrel_dll=$tmp/kestrel/KestrelEcho.dll
if [ -f "$kestrel_src/KestrelEcho.csproj" ] && mkdir -p "$tmp/kestrel-src" &&
  cp "$kestrel_src"/*.csproj "$kestrel_src"/*.cs "$tmp/kestrel-src/"; then
  build kestrel "$tmp/kestrel-src/KestrelEcho.csproj" "$tmp/kestrel" r2r ||
    unavailable[kestrel]="../shared/bench/kestrel does not build"
  have_kestrel=1
else
  have_kestrel=0
  say "note: ../shared/bench/kestrel is not there: the Kestrel server sits this run out"
fi
own_lg_ok=0
build loadgen "$here/loadgen/LoadGen.csproj" "$tmp/loadgen" && own_lg_ok=1

# TLS workloads: ActorSockets' Echo with --tls-cert against bench/reference/TlsEcho (plain .NET
# SslStream), which stands in the raw-dotnet column of those rows. The certificate is made now
# (openssl, a throwaway P-256 key in the temp folder); the C# load generator speaks TLS (--tls).
tls_ok=1 tls_why=
tls_dll=$tmp/tls/TlsEcho.dll
tls_cert=$tmp/tls-cert.pem tls_key=$tmp/tls-key.pem
if ! command -v openssl >/dev/null; then
  tls_ok=0 tls_why="openssl is not installed (it makes the test certificate)"
elif ! openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
       -subj /CN=localhost -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
       -keyout "$tls_key" -out "$tls_cert" >"$tmp/tls-cert.log" 2>&1; then
  tls_ok=0 tls_why="openssl could not make a certificate"
elif ! build tls-echo "$here/reference/TlsEcho/TlsEcho.csproj" "$tmp/tls" r2r; then
  tls_ok=0 tls_why="bench/reference/TlsEcho does not build"
elif [ $own_lg_ok = 0 ]; then
  tls_ok=0 tls_why="the C# load generator (the one that speaks TLS) does not build"
fi
[ $tls_ok = 1 ] || say "warning: TLS workloads skipped: $tls_why"

# Load generator: ../shared/bench/loadgen (C, epoll) when that folder exists, built next to
# its sources or, when they are read-only, in a cache folder; otherwise the C# one.
lg=() lg_desc=
shared=$root/../shared/bench
if [ "$lg_kind" != own ] && [ -f "$shared/loadgen.c" ]; then
  shared=$(cd "$shared" && pwd)
  bin=$shared
  # read-only by its mode bits (root may write anyway) or by the mount: use a cache folder
  if [ ! -w "$shared" ] || [ -z "$(find "$shared" -maxdepth 0 -perm -u+w 2>/dev/null)" ]; then
    bin=${XDG_CACHE_HOME:-$HOME/.cache}/actorsockets-bench
  fi
  say "[build $(elapsed)] shared loadgen: make -C $shared O=$bin"
  if mkdir -p "$bin" && make -s -C "$shared" O="$bin" "$bin/loadgen" >"$tmp/build-shared.log" 2>&1 &&
     [ -x "$bin/loadgen" ]; then
    lg=("$bin/loadgen") lg_desc="../shared/bench/loadgen (C, epoll)"
  else
    say "warning: could not build $shared/loadgen:"; tail -5 "$tmp/build-shared.log" >&2
  fi
fi
if [ ${#lg[@]} = 0 ]; then
  [ "$lg_kind" = shared ] && { say "run.sh: --loadgen shared, but ../shared/bench/loadgen is not usable"; exit 2; }
  [ $own_lg_ok = 1 ] || { say "run.sh: no load generator could be built"; exit 2; }
  lg=(dotnet "$tmp/loadgen/LoadGen.dll") lg_desc="bench/loadgen (C#, this repo)"
fi
say "load generator: $lg_desc"

# ---------------------------------------------------------------- servers and workloads
all_servers=(actorsockets-threading actorsockets-forking python-threading python-forking kestrel raw-dotnet)
[ "$have_kestrel" = 1 ] || all_servers=("${all_servers[@]/kestrel/}")
server_cmd() { # server kind(pingpong|connect|udp|hold) -> command line on stdout
  local flags=
  case $2 in connect) flags=" --one-shot" ;; udp) flags=" --udp" ;; esac
  case $2 in
    tls-*)
      flags=" --tls-cert $(printf %q "$tls_cert") --tls-key $(printf %q "$tls_key")"
      [ "$2" = tls-connect ] && flags+=" --one-shot"
      case $1 in
        actorsockets-threading) echo "$echo_cmd --port 0 --mode threading$flags" ;;
        actorsockets-forking) echo "$echo_cmd --port 0 --mode forking --workers 2 --max-children 128$flags" ;;
        raw-dotnet) echo "dotnet $(printf %q "$tls_dll")$flags 0" ;;
      esac
      return ;;
  esac
  case $1 in
    actorsockets-threading) echo "$echo_cmd --port 0 --mode threading$flags" ;;
    actorsockets-forking) echo "$echo_cmd --port 0 --mode forking --workers 2 --max-children 128$flags" ;;
    python-threading) echo "$(printf %q "$PYTHON") $(printf %q "$here/reference/py_echo.py") threading$flags 0" ;;
    python-forking) echo "$(printf %q "$PYTHON") $(printf %q "$here/reference/py_echo.py") forking$flags 0" ;;
    kestrel) echo "dotnet $(printf %q "$kestrel_dll")$flags 0" ;;
    raw-dotnet) echo "dotnet $(printf %q "$raw_dll")$flags 0" ;;
  esac
}

can_pin=1
if [ "$(nproc)" -lt 2 ] || ! command -v taskset >/dev/null; then
  can_pin=0
  say "note: pinning needs 2 CPUs and taskset; pinned runs are not pinned"
  pin_all=0
fi
# name mode conns pinned servers
workloads=()
add_workload() { workloads+=("$1|$2|$3|$4|$5"); }
everyone=${all_servers[*]}
add_workload pingpong-64 pingpong 64 $pin_all "$everyone"
[ $pin_all = 0 ] && [ $can_pin = 1 ] && add_workload pingpong-64-pinned pingpong 64 1 "$everyone"
add_workload pingpong-1 pingpong 1 $pin_all "$everyone"
add_workload connect-16 connect 16 $pin_all "$everyone"
add_workload udp-16 udp 16 $pin_all "${everyone/kestrel /}"   # Kestrel serves no datagrams
if [ $tls_ok = 1 ]; then
  add_workload tls-pingpong-64 tls-pingpong 64 $pin_all "actorsockets-threading actorsockets-forking raw-dotnet"
  add_workload tls-connect-16 tls-connect 16 $pin_all "actorsockets-threading actorsockets-forking raw-dotnet"
fi
# Forking servers (Python's and ActorSockets') stop accepting at max_children by design, so
# they cannot hold thousands of idle connections: both sit out the hold workload.
add_workload "hold-$hold_conns" hold "$hold_conns" $pin_all \
  "actorsockets-threading python-threading $([ "$have_kestrel" = 1 ] && echo kestrel) raw-dotnet"

in_list() { # item comma-list
  local x
  IFS=, read -ra xs <<<"$2"
  for x in "${xs[@]}"; do [ "$x" = "$1" ] && return 0; done
  return 1
}
plan=()   # workload-index|server|round
for wi in "${!workloads[@]}"; do
  IFS='|' read -r wname wmode _ _ wservers <<<"${workloads[$wi]}"
  if [ -n "$only" ] && ! in_list "$wname" "$only" && ! { [ "$wmode" = hold ] && in_list hold "$only"; }; then
    continue
  fi
  read -ra list <<<"$wservers"
  if [ -n "$servers_only" ]; then
    keep=()
    for s in "${list[@]}"; do in_list "$s" "$servers_only" && keep+=("$s"); done
    list=("${keep[@]}")
  fi
  n=${#list[@]}
  [ "$n" = 0 ] && continue
  nr=$rounds
  [ "$wmode" = hold ] && nr=1
  for r in $(seq 1 "$nr"); do
    # interleaved rounds; each round starts with a different server so none is always first
    for k in $(seq 0 $((n - 1))); do
      plan+=("$wi|${list[$(((k + r - 1) % n))]}|$r")
    done
  done
done
[ ${#plan[@]} -gt 0 ] || { say "run.sh: nothing to run (check --only / --servers)"; exit 2; }
total=${#plan[@]}
runs=0 holds=0
for p in "${plan[@]}"; do
  IFS='|' read -r wi _ _ <<<"$p"
  case ${workloads[$wi]} in *"|hold|"*) holds=$((holds + 1)) ;; *) runs=$((runs + 1)) ;; esac
done
estimate=$(( (runs * (secs + warm + 2) + holds * (hold_conns / 500 + 5)) / 60 + 1 ))
say "plan: $total runs ($rounds round(s) x $secs s, hold with $hold_conns connections), about $estimate min"

# ---------------------------------------------------------------- running one server
srv_pgid= srv_port= srv_bg= srv_why=
start_server() { # command pinned log; sets srv_pgid srv_port srv_bg; 1 when no LISTENING in 30 s
  local cmd=$1 pinned=$2 log=$3 pre= k
  [ "$pinned" = 1 ] && pre="taskset -c 1 "
  srv_pgid= srv_port=
  : >"$log"
  # its own session and process group, so that everything it forks is stopped with it
  setsid bash -c 'echo $$ >"$0"; exec '"$pre$cmd" "$log.pid" >"$log" 2>&1 </dev/null &
  srv_bg=$!
  children+=("$srv_bg")
  for k in $(seq 1 300); do
    [ -z "$srv_pgid" ] && [ -s "$log.pid" ] && { srv_pgid=$(cat "$log.pid"); groups+=("$srv_pgid"); }
    srv_port=$(sed -n 's/^LISTENING \([0-9][0-9]*\).*/\1/p' "$log" | head -1)
    [ -n "$srv_port" ] && return 0
    if [ -n "$srv_pgid" ]; then alive "$srv_pgid" || break
    elif [ "$k" -gt 50 ]; then break   # the wrapper never started
    fi
    sleep 0.1
  done
  if [ -n "$srv_pgid" ] && alive "$srv_pgid"; then
    srv_why="no LISTENING line within 30 s"
  else
    srv_why="exited before printing LISTENING"
  fi
  return 1
}
alive() { # pid: running and not a zombie
  local st
  st=$(sed 's/.*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null) || return 1
  [ -n "$st" ] && [ "$st" != Z ]
}
stop_server() {
  local k g=$srv_pgid
  if [ -n "$g" ]; then
    kill -TERM -- "-$g" 2>/dev/null
    for k in $(seq 1 30); do alive "$g" || break; sleep 0.05; done
    kill -KILL -- "-$g" 2>/dev/null   # stragglers (forked children) and a server ignoring TERM
  else
    kill -KILL "$srv_bg" 2>/dev/null
  fi
  { wait "$srv_bg"; } 2>/dev/null
  local rc=$?
  # 143/137: ended by our TERM/KILL; anything else on stop is worth knowing (e.g. 134, abort)
  case $rc in 0|130|137|143) ;; *) [ -n "$g" ] && say "    note: the server exited with status $rc when stopped" ;; esac
  [ -n "$g" ] && drop groups "$g"
  drop children "$srv_bg"
}
drop() { # array-name value: removes value from the array
  local -n arr=$1
  local keep=() x
  for x in "${arr[@]}"; do [ "$x" != "$2" ] && keep+=("$x"); done
  arr=("${keep[@]}")
}
run_bg() { # stdout-file command...: runs in the background so that signals are handled at once
  local outf=$1; shift
  "$@" >"$outf" 2>"$outf.err" &
  local p=$!
  children+=("$p")
  wait "$p"
  local rc=$?
  drop children "$p"
  return $rc
}

# ---------------------------------------------------------------- the runs
mkdir -p "$out" || exit 2
rm -rf "$out/logs"
tsv=$out/results.tsv
printf 'workload\tmode\tconns\tpinned\tserver\tround\tstatus\tresult\n' >"$tsv"
problems=0
step=0
for p in "${plan[@]}"; do
  IFS='|' read -r wi server r <<<"$p"
  IFS='|' read -r wname wmode wconns wpin _ <<<"${workloads[$wi]}"
  step=$((step + 1))
  nr=$rounds
  [ "$wmode" = hold ] && nr=1
  prefix="[$step/$total $(elapsed)] $wname $server round $r/$nr"
  row() { printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$wname" "$wmode" "$wconns" "$wpin" "$server" "$r" "$1" "$2" >>"$tsv"; }
  if [ -n "${unavailable[$server]:-}" ]; then
    say "$prefix: skipped (${unavailable[$server]})"
    row unavailable "reason=${unavailable[$server]// /_}"
    continue
  fi
  say "$prefix ..."
  log=$tmp/server-$step.log
  if ! start_server "$(server_cmd "$server" "$wmode")" "$wpin" "$log"; then
    say "    $srv_why; its last output: $(tail -1 "$log" 2>/dev/null)"
    mkdir -p "$out/logs" && cp "$log" "$out/logs/$wname-$server-$r.log"
    row nostart "log=logs/$wname-$server-$r.log"
    problems=$((problems + 1))
    stop_server
    continue
  fi
  client=()
  [ "$wpin" = 1 ] && client=(taskset -c 0)
  res=$tmp/result-$step
  if [ "$wmode" = hold ]; then
    run_bg "$res" "${client[@]}" timeout -k 5 $((hold_timeout + 30)) \
      "$PYTHON" "$here/hold.py" -p "$srv_port" -c "$wconns" --pid "$srv_pgid" --timeout "$hold_timeout"
  else
    # Every server gets the same warm-up (--warm, default 1 s).
    w=$warm
    args=(-p "$srv_port" -c "$wconns" -d "$secs" -w "$w" -s "$size" --timeout "$req_timeout" --verify)
    gen=("${lg[@]}")
    case $wmode in
      connect) args+=(--mode connect) ;;
      udp) args+=(--udp) ;;
      tls-pingpong) args+=(--tls) gen=(dotnet "$tmp/loadgen/LoadGen.dll") ;;
      tls-connect) args+=(--tls --mode connect) gen=(dotnet "$tmp/loadgen/LoadGen.dll") ;;
    esac
    run_bg "$res" "${client[@]}" timeout -k 5 $((secs + w + 30)) "${gen[@]}" "${args[@]}"
  fi
  rc=$?
  stop_server
  result=$(sed -n 's/^RESULT //p' "$res" | tail -1)
  if [ -z "$result" ]; then
    say "    no RESULT (exit $rc): $(tail -1 "$res.err" 2>/dev/null)"
    mkdir -p "$out/logs" &&
      { cat "$log"; echo "--- load generator (exit $rc):"; cat "$res" "$res.err"; } >"$out/logs/$wname-$server-$r.log" 2>/dev/null
    row failed "exit=$rc log=logs/$wname-$server-$r.log"
    problems=$((problems + 1))
    continue
  fi
  status=ok
  [ "$rc" = 0 ] || status=errors
  if [ "$(sed -n 's/.*\brequests=\([0-9]*\).*/\1/p' <<<"$result")" = 0 ]; then
    status=noreply   # nothing to compare: counted as a failed run
    problems=$((problems + 1))
  fi
  row "$status" "$result"
  f() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" <<<"$result"; }
  if [ "$wmode" = hold ]; then
    say "    served $(f served)/$(f conns), $(f per_conn_kib) KiB per connection ($status)"
  else
    say "    $(f rps) req/s, p50 $(f p50_us) us, p99 $(f p99_us) us, errors $(f errors) ($status)"
  fi
done

# ---------------------------------------------------------------- report
{
  printf 'date\t%s\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
  printf 'command\t%s\n' "$command_line"
  [ -n "${ECHO_CMD:-}" ] && printf 'echo_cmd\tECHO_CMD=%s\n' "$ECHO_CMD"
  printf 'nproc\t%s\n' "$(nproc)"
  printf 'cpu\t%s\n' "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
  printf 'kernel\t%s\n' "$(uname -srm)"
  printf 'dotnet\t%s\n' "$(dotnet --version 2>/dev/null)"
  printf 'python\t%s\n' "$("$PYTHON" -c 'import platform; print(platform.python_version())')"
  printf 'loadgen\t%s\n' "$lg_desc"
  printf 'rounds\t%s\n' "$rounds"
  printf 'secs\t%s\n' "$secs"
  printf 'warmup\t%s\n' "$warm"
  printf 'build\t%s\n' "$build_kind"
  printf 'size\t%s\n' "$size"
  printf 'pin\t%s\n' "$pin_all"
  printf 'duration\t%s\n' "$(elapsed)"
} >"$out/meta.tsv"
say "[report $(elapsed)] $out/results.md, $out/chart.svg"
"$PYTHON" "$here/report.py" "$out" || { say "run.sh: report.py failed"; exit 1; }
cat "$out/results.md"
if [ $problems -gt 0 ] || [ ${#unavailable[@]} -gt 0 ]; then
  say "run.sh: done in $(elapsed), with $problems failed run(s) and ${#unavailable[@]} unavailable server(s)"
  exit 1
fi
say "run.sh: done in $(elapsed)"
