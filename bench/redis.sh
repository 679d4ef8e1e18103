#!/usr/bin/env bash
# redis.sh: the KeyValue sample (samples/KeyValue, RESP2) against redis-server, in the same run,
# both driven by redis-benchmark: -t ping,set,get with 50 connections, without pipelining and
# with -P 16, in interleaved rounds (a fresh server each round), so a machine that gets busier
# or quieter meanwhile moves both alike.
#
#   bash bench/redis.sh [--out DIR] [--rounds N] [--requests N]
#
# --out      where the results go (default bench/results/redis, which git ignores): one raw
#            redis-benchmark --csv file per server, round and pipeline depth, results.tsv (the
#            median of the rounds per test) and results.md (with KeyValue's ratio to redis-server)
# --rounds   interleaved rounds (default 3)
# --requests requests per test without pipelining (default 100000; 4x that with -P 16)
#
# Needs the .NET 10 SDK, redis-server and redis-benchmark (Debian: redis-server, redis-tools).
# KeyValue is built as the README builds samples (dotnet build -c Release); redis-server runs
# with no persistence on a free loopback port. All traffic stays on 127.0.0.1, every step is
# bounded in time, and every server started is stopped when the run ends, fails or is interrupted.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
out=$root/bench/results/redis rounds=3 requests=100000
while [ $# -gt 0 ]; do
  case $1 in
    --out) out=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --requests) requests=$2; shift 2 ;;
    *) echo "redis.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
for tool in dotnet redis-server redis-benchmark python3; do
  command -v $tool >/dev/null || { echo "redis.sh: $tool is not installed" >&2; exit 2; }
done
mkdir -p "$out" && rm -f "$out"/*.csv "$out"/results.*
tmp=$(mktemp -d)
spid=
stop_server() { [ -n "$spid" ] && { kill -TERM -- "-$spid" 2>/dev/null; wait "$spid" 2>/dev/null; }; spid=; }
trap 'stop_server; rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

echo "building samples/KeyValue (Release)" >&2
timeout 900 dotnet build "$root/samples/KeyValue" -c Release -v q -nologo >"$tmp/build.log" 2>&1 \
  || { tail -20 "$tmp/build.log" >&2; exit 1; }
dll=$root/samples/KeyValue/bin/Release/net10.0/KeyValue.dll

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# Starts server $1 in its own process group; sets $spid and $port.
start_server() {
  : >"$tmp/server.log"
  case $1 in
    keyvalue)
      setsid dotnet "$dll" --host 127.0.0.1 --port 0 >"$tmp/server.log" 2>&1 &
      spid=$!
      for _ in $(seq 1 600); do
        port=$(sed -n 's/^LISTENING \([0-9]*\).*/\1/p' "$tmp/server.log" | head -1)
        [ -n "$port" ] && return 0
        sleep 0.1
      done ;;
    redis)
      port=$(free_port)
      setsid redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no --daemonize no >"$tmp/server.log" 2>&1 &
      spid=$!
      for _ in $(seq 1 600); do
        redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null | grep -q PONG && return 0
        sleep 0.1
      done ;;
  esac
  echo "redis.sh: $1 did not start" >&2; tail -5 "$tmp/server.log" >&2; exit 1
}

for round in $(seq 1 "$rounds"); do
  for server in keyvalue redis; do
    start_server $server
    for pipeline in 1 16; do
      n=$requests; [ $pipeline -gt 1 ] && n=$((requests * 4))
      file=$out/$server-P$pipeline-round$round.csv
      echo "round $round: $server, -P $pipeline" >&2
      timeout 600 redis-benchmark -h 127.0.0.1 -p "$port" -t ping,set,get -c 50 -n "$n" -P $pipeline --csv >"$file" 2>"$tmp/bench.err" \
        || { echo "redis.sh: redis-benchmark failed against $server" >&2; cat "$tmp/bench.err" >&2; exit 1; }
    done
    stop_server
  done
done

{
  echo "# host: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end"
  echo "# redis-server: $(redis-server --version)"
  echo "# dotnet: $(dotnet --version); KeyValue at $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
} >"$out/meta.txt"

python3 - "$out" <<'PY'
import csv, glob, os, statistics, sys
out = sys.argv[1]
rps = {}  # (server, pipeline, test) -> [rps per round]
for path in sorted(glob.glob(os.path.join(out, "*.csv"))):
    server, pipeline, _ = os.path.basename(path)[:-4].split("-")
    with open(path) as f:
        for row in csv.DictReader(f):
            rps.setdefault((server, pipeline, row["test"]), []).append(float(row["rps"]))
tests = sorted({(p, t) for (_, p, t) in rps}, key=lambda k: (int(k[0][1:]), k[1]))
with open(os.path.join(out, "results.tsv"), "w") as tsv, open(os.path.join(out, "results.md"), "w") as md:
    tsv.write("test\tpipeline\tkeyvalue_rps\tredis_rps\tratio\tkeyvalue_rounds\tredis_rounds\n")
    md.write("| test | pipeline | KeyValue req/s | redis-server req/s | KeyValue / redis-server |\n|---|---|---|---|---|\n")
    for pipeline, test in tests:
        kv, rd = rps.get(("keyvalue", pipeline, test), []), rps.get(("redis", pipeline, test), [])
        if not kv or not rd: continue
        k, r = statistics.median(kv), statistics.median(rd)
        tsv.write(f"{test}\t{pipeline[1:]}\t{k:.0f}\t{r:.0f}\t{k / r:.2f}\t{','.join(f'{v:.0f}' for v in kv)}\t{','.join(f'{v:.0f}' for v in rd)}\n")
        md.write(f"| {test} | {pipeline[1:]} | {k:,.0f} | {r:,.0f} | {k / r:.2f}x |\n")
print(open(os.path.join(out, "results.md")).read())
PY
