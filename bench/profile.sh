#!/usr/bin/env bash
# profile.sh: where a server's CPU time goes under one workload, from `perf record` samples.
#
#   bench/profile.sh [--secs S] [--pid-match REGEX] -- SERVER COMMAND... -- LOADGEN ARGS...
#
# Starts SERVER COMMAND (it must print "LISTENING <port>"), runs LOADGEN ARGS against it (the
# port is added; ../shared/bench/loadgen, or the command in $LOADGEN), samples the server
# process for --secs seconds (default 4) once the load has run 2 s, and prints its CPU time and
# context switches per request and the share of samples in each kind of work: threads
# spinning for work (sched_yield), being switched in and out, the kernel's network paths, Akka's
# mailbox runs and ActorSockets' own code. --pid-match picks another process of the server's
# group (a forking worker: --pid-match ' --worker '). The .NET runtime writes its JIT symbols
# for perf (DOTNET_PerfMapEnabled=1) and methods are JIT-compiled, not ReadyToRun, so every
# managed frame has a name; run it on a quiet machine. Needs perf. Loopback only; stops itself.
set -u
secs=4 match=
while [ $# -gt 0 ]; do
  case $1 in
    --secs) secs=$2; shift 2 ;;
    --pid-match) match=$2; shift 2 ;;
    --) shift; break ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
server=() load=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do server+=("$1"); shift; done
[ $# -gt 0 ] && shift
load=("$@")
[ ${#server[@]} -gt 0 ] && [ ${#load[@]} -gt 0 ] || { echo "usage: profile.sh [options] -- SERVER... -- LOADGEN ARGS..." >&2; exit 2; }
command -v perf >/dev/null || { echo "profile.sh: perf is not installed" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
if [ -n "${LOADGEN:-}" ]; then # another load generator, e.g. LOADGEN="dotnet LoadGen.dll" for --tls
  read -ra loadgen <<<"$LOADGEN"
else
  loadgen=("$here/../../shared/bench/loadgen")
  [ -x "${loadgen[0]}" ] || make -s -C "$here/../../shared/bench" loadgen >&2 || exit 2
fi
tmp=$(mktemp -d); trap 'kill -TERM -- "-$spid" 2>/dev/null; [ -n "${PROFILE_KEEP:-}" ] || rm -rf "$tmp"' EXIT
export DOTNET_PerfMapEnabled=1 DOTNET_ReadyToRun=0 DOTNET_EnableWriteXorExecute=0
setsid "${server[@]}" >"$tmp/server.log" 2>&1 &
spid=$!
port=
for _ in $(seq 1 300); do
  port=$(sed -n 's/^LISTENING \([0-9]*\).*/\1/p' "$tmp/server.log" | head -1)
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { echo "the server printed no LISTENING line" >&2; tail -3 "$tmp/server.log" >&2; exit 1; }
target=$spid
if [ -n "$match" ]; then
  target=$(pgrep -g "$spid" -f -- "$match" | head -1)
  [ -n "$target" ] || { echo "no process of the server matches '$match'" >&2; exit 1; }
fi
"${loadgen[@]}" "${load[@]}" -p "$port" -d $((secs + 4)) -w 0 >"$tmp/load.out" 2>&1 &
lpid=$!
sleep 2 # the load warms up: this is when sampling starts, not a synchronisation
counters() { # utime stime (clock ticks) and context switches of every thread of the target
  local ticks switches=0 f
  ticks=$(awk '{print $14, $15}' "/proc/$target/stat")
  for f in /proc/"$target"/task/*/status; do
    switches=$((switches + $(awk '/^(non)?voluntary_ctxt_switches/ {s += $2} END {print s + 0}' "$f" 2>/dev/null || echo 0)))
  done
  echo "$ticks $switches"
}
before=$(counters)
perf record -q -F 1999 -g -p "$target" -o "$tmp/perf.data" -- sleep "$secs" >/dev/null 2>&1
after=$(counters)
wait "$lpid"
result=$(grep '^RESULT' "$tmp/load.out")
echo "$result"
rps=$(sed -n 's/.* rps=\([0-9.]*\).*/\1/p' <<<"$result")
python3 - "$before" "$after" "${rps:-0}" "$secs" "$(getconf CLK_TCK)" <<'PY'
import sys
b, a = [list(map(int, x.split())) for x in sys.argv[1:3]]
rps, secs, tck = float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
n = rps * secs  # requests in the window, at the run's mean rate
if n > 0:
    print(f"per request: {(a[0]-b[0]) / tck / n * 1e6:.1f} us user CPU, {(a[1]-b[1]) / tck / n * 1e6:.1f} us system CPU, "
          f"{(a[2]-b[2]) / n:.2f} context switches (all threads of the process, perf running)")
PY
perf report -i "$tmp/perf.data" --children --sort sym -g none 2>/dev/null | python3 -c '
import re, sys
total = {}
for line in sys.stdin:
    m = re.match(r"\s*([\d.]+)%\s+([\d.]+)%\s+\[[.k]\]\s+(.*)", line)
    if m:
        total.setdefault(m.group(3).strip(), float(m.group(1)))
def share(*patterns):
    return max((v for k, v in total.items() if any(re.search(p, k) for p in patterns)), default=0.0)
rows = [
    ("threads spinning for work (sched_yield)", share(r"^__x64_sys_sched_yield$")),
    ("threads switched out and in (schedule)", share(r"^schedule$")),
    ("sending (sock_sendmsg, incl. loopback delivery to the client)", share(r"^sock_sendmsg$", r"^__sock_sendmsg$", r"^__sys_sendto$", r"^___sys_sendmsg$", r"^__sys_sendmsg$")),
    ("receiving (sock_recvmsg)", share(r"^sock_recvmsg$", r"^__sys_recvfrom$", r"^___sys_recvmsg$")),
    ("waiting in epoll", share(r"^__x64_sys_epoll_wait$")),
    ("Akka mailbox runs (actors, incl. their syscalls)", share(r"Akka\.Dispatch\.Mailbox::Run\(")),
    ("ActorSockets connection actor (incl. its syscalls)", share(r"StreamConnectionActor::OnReceive")),
]
print("share of the server process samples (children included; rows overlap; managed rows need the JIT perf map):")
for what, v in rows:
    print(f"  {v:5.1f}%  {what}")
'
