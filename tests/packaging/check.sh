#!/usr/bin/env bash
# Checks ActorSockets as a new user meets it: the packages `dotnet pack` makes, and projects
# outside this repository that take them from the packed folder (plus the normal NuGet feed).
#
#   bash tests/packaging/check.sh                  # pack the solution, then check
#   bash tests/packaging/check.sh --packages DIR   # check packages already packed into DIR
#
# Checks, one line each, then "N passed, N failed" (exit 1 if any failed):
#   - the package list: ActorSockets, .Cluster, .Hosting, .Templates stable, .Prometheus prerelease;
#   - no stable package depends on a prerelease one;
#   - the core's nuspec depends on none of Akka.Remote, Akka.Cluster, DotNetty*, OpenTelemetry*,
#     System.CommandLine, Microsoft.Extensions.Logging.Console;
#   - README's hello world (the ```csharp block after `<!-- snippet: hello-world -->`), pasted
#     as Program.cs into `dotnet new console` + `dotnet add package ActorSockets`, builds, serves
#     a line on a real socket, drains and exits 0 on SIGTERM with a request in flight, and its
#     dependency closure has none of the packages above;
#   - `dotnet new actorsockets` (installed from the packed folder into a temporary template
#     hive) builds and its tests pass;
#   - every ```csharp block of README.md and docs/*.md compiles, and each one marked
#     `<!-- snippet: serves "LINE" -> "ANSWER" -->` runs as the hello world does: LISTENING <port>,
#     LINE answered with ANSWER over a real socket, SIGTERM with a connection open, drain, exit 0;
#   - docs/04-configuration.md is current with hocon/reference.conf (docs/gen-configuration.py
#     --check), and every relative link of the documentation resolves (docs/check-links.py).
#
# The snippet rule: every ```csharp block in README.md and docs/*.md is a whole Program.cs, as written (its
# usings included; a project as `dotnet new console` makes it, so implicit usings are on). Each
# is compiled alone in a console project that references ActorSockets.Hosting,
# ActorSockets.Cluster and ActorSockets.Prometheus (and so the core) from the packed folder, and
# Microsoft.Extensions.Hosting (the generic host, at the version in Directory.Packages.props). A
# fragment does not belong in a ```csharp block: show it in the prose or make it a program.
#
# Everything happens in one temporary folder, removed at the end: its nuget.config adds the
# packed folder as a source (mapped to ActorSockets* only, so a package of the same version
# from anywhere else can never be taken), and NUGET_PACKAGES points at a package cache inside
# it, shared by the steps of this run and by no other run (the machine's cache, when there is
# one, is a further read-only source for all other packages, to save downloads). The
# repository's own build (the pack) keeps the normal cache. Each step is bounded by `timeout`.
set -uo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)

packages=""
if [[ "${1:-}" == "--packages" ]]; then packages=$(cd "$2" && pwd); fi

export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export MSBUILDDISABLENODEREUSE=1 DOTNET_CLI_WORKLOAD_UPDATE_NOTIFY_DISABLE=1

tmp=$(mktemp -d "${TMPDIR:-/tmp}/actorsockets-packaging.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

passed=0 failed=0
pass() { echo "PASS $1 [${SECONDS}s]"; passed=$((passed + 1)); }
fail() { # name, log file (its tail is shown)
  echo "FAIL $1"
  [[ -n "${2:-}" && -f "$2" ]] && tail -n 25 "$2" | sed 's/^/    /'
  failed=$((failed + 1))
}
finish() { echo "(${SECONDS}s)"; echo "$passed passed, $failed failed"; [[ $failed -eq 0 ]]; exit $?; }

# --- 1. pack -----------------------------------------------------------------------------
if [[ -z "$packages" ]]; then
  packages="$tmp/packages"
  if timeout 900 dotnet pack ActorSockets.sln -c Release -o "$packages" >"$tmp/pack.log" 2>&1; then
    pass "dotnet pack ActorSockets.sln -c Release (warnings are errors)"
  else
    fail "dotnet pack ActorSockets.sln -c Release" "$tmp/pack.log"; finish
  fi
fi

# --- 2. the packages' metadata -----------------------------------------------------------
python3 - "$packages" >"$tmp/metadata.out" 2>&1 <<'PY'
import glob, os, re, sys, zipfile, xml.etree.ElementTree as ET
folder = sys.argv[1]
pkgs = {}
for path in sorted(glob.glob(os.path.join(folder, "*.nupkg"))):
    with zipfile.ZipFile(path) as z:
        nuspec = next(n for n in z.namelist() if n.endswith(".nuspec") and "/" not in n)
        root = ET.fromstring(z.read(nuspec))
    ns = {"n": root.tag[1:].split("}")[0]} if root.tag.startswith("{") else {"n": ""}
    meta = root.find("n:metadata", ns)
    pid, ver = meta.find("n:id", ns).text, meta.find("n:version", ns).text
    deps = [(d.get("id"), d.get("version")) for d in meta.iter("{%s}dependency" % ns["n"])]
    pkgs[pid] = (ver, deps, os.path.getsize(path))

def check(ok, line):
    print(("PASS " if ok else "FAIL ") + line)

stable = ["ActorSockets", "ActorSockets.Cluster", "ActorSockets.Hosting", "ActorSockets.Templates"]
prerelease = ["ActorSockets.Prometheus"]
listing = ", ".join(f"{p} {v[0]} ({v[2] / 1024:.0f} KiB)" for p, v in sorted(pkgs.items()))
ok = (sorted(pkgs) == sorted(stable + prerelease)
      and all("-" not in pkgs[p][0] for p in stable)
      and all("-" in pkgs[p][0] for p in prerelease))
check(ok, f"package list: {listing}")

def is_pre(version_range):  # "1.2.3", "[1.2.3, )", "1.20.1-beta.1"
    return any("-" in part for part in re.split(r"[\[\]\(\),\s]+", version_range or "") if part)
bad = [f"{p} -> {d} {r}" for p in stable if p in pkgs for d, r in pkgs[p][1] if is_pre(r)]
check(not bad and set(stable) <= set(pkgs),
      "no stable package depends on a prerelease" + (f": {bad}" if bad else ""))

forbidden = re.compile(r"^(Akka\.Remote|Akka\.Cluster.*|DotNetty.*|OpenTelemetry.*|System\.CommandLine|Microsoft\.Extensions\.Logging\.Console)$", re.I)
core = pkgs.get("ActorSockets", (None, [], 0))[1]
hits = [d for d, _ in core if forbidden.match(d)]
check("ActorSockets" in pkgs and not hits,
      "core package depends on " + (", ".join(f"{d} {r}" for d, r in core) or "nothing")
      + (f"; forbidden: {hits}" if hits else "; none of Akka.Remote/Cluster, DotNetty, OpenTelemetry, System.CommandLine, Logging.Console"))
PY
while IFS= read -r line; do
  case "$line" in
    PASS\ *) pass "${line#PASS }" ;;
    FAIL\ *) fail "${line#FAIL }" ;;
    *) echo "    $line" ;;
  esac
done <"$tmp/metadata.out"

version=$(ls "$packages" | sed -n 's/^ActorSockets\.\([0-9][^-]*\)\.nupkg$/\1/p' | head -n 1)
prometheus_version=$(ls "$packages" | sed -n 's/^ActorSockets\.Prometheus\.\([0-9].*\)\.nupkg$/\1/p' | head -n 1)
[[ -n "$version" && -n "$prometheus_version" ]] || { fail "packed versions found"; finish; }

# --- a clean world: its own nuget.config and package cache --------------------------------
# Empty Directory.Build.* / Directory.Packages.props stop MSBuild's search upwards, so no such
# file left in a parent folder (e.g. /tmp) changes the projects below.
for f in Directory.Build.props Directory.Build.targets Directory.Packages.props; do echo "<Project />" >"$tmp/$f"; done
# The machine's package cache, which the repository's own restore filled, is added as a local
# copy of the default feed for every package but ActorSockets*: it only saves downloads.
machine_cache=${NUGET_PACKAGES:-$HOME/.nuget/packages}
export NUGET_PACKAGES="$tmp/nuget-cache"
{
  echo '<?xml version="1.0" encoding="utf-8"?>'
  echo '<configuration>'
  echo '  <packageSources>'
  echo '    <!-- the default feed comes from the user NuGet configuration; these are added -->'
  echo "    <add key=\"packed\" value=\"$packages\" />"
  [[ -d "$machine_cache" ]] && echo "    <add key=\"machine-cache\" value=\"$machine_cache\" />"
  echo '  </packageSources>'
  echo '  <packageSourceMapping>'
  echo '    <packageSource key="packed"><package pattern="ActorSockets*" /></packageSource>'
  echo '    <packageSource key="nuget.org"><package pattern="*" /></packageSource>'
  [[ -d "$machine_cache" ]] && echo '    <packageSource key="machine-cache"><package pattern="*" /></packageSource>'
  echo '  </packageSourceMapping>'
  echo '</configuration>'
} >"$tmp/nuget.config"

# Runs a server program (a .dll) as a user would and checks it the way a client and an operator
# would: it prints LISTENING <port>; a line sent is answered; SIGTERM with a connection open
# (a line answered on it) drains it: the connection ends cleanly and the program exits 0.
cat >"$tmp/serve.py" <<'PY'
import queue, signal, socket, subprocess, sys, threading, time
program, sent, expected = sys.argv[1], sys.argv[2].encode() + b"\n", sys.argv[3].encode() + b"\n"
proc = subprocess.Popen(["dotnet", program], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
lines = queue.Queue()
def pump():  # stdout lines to the queue, "" at its end
    for l in proc.stdout: lines.put(l)
    lines.put("")
threading.Thread(target=pump, daemon=True).start()
try:
    deadline, port = time.time() + 30, None
    while port is None and time.time() < deadline:
        try: line = lines.get(timeout=1)
        except queue.Empty: continue
        if not line: break
        print("server:", line.rstrip())
        if line.startswith("LISTENING "): port = int(line.split()[1])
    if port is None: sys.exit("no LISTENING line within 30 s")
    def line(sock):  # the server's next line (less at its end of stream)
        got = b""
        while not got.endswith(b"\n") and (chunk := sock.recv(4096)): got += chunk
        return got
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(sent)
        answer = line(s)
    print("answer:", answer)
    if answer != expected: sys.exit(f"unexpected answer {answer!r}, not {expected!r}")
    # SIGTERM with a request in flight: the server drains (the request ends cleanly) and exits 0.
    with socket.create_connection(("127.0.0.1", port), timeout=10) as held:
        held.sendall(sent)
        got = line(held)
        proc.send_signal(signal.SIGTERM)
        while chunk := held.recv(4096): got += chunk  # until the server's FIN
    code = proc.wait(30)
    print("in flight:", got, "exit:", code)
    if got != expected or code != 0: sys.exit(f"SIGTERM: got {got!r} and exit {code}, not a drain and exit 0")
    print(f"served on port {port}, drained on SIGTERM and exited 0")
finally:
    proc.terminate()
    try: proc.wait(10)
    except subprocess.TimeoutExpired: proc.kill()
PY

# --- 3. README's hello world in a new console project ------------------------------------
extract() { # README.md, docs/*.md -> $1/snippet-N.cs for every ```csharp block, hello-world.cs for README's marked one
  python3 - "$repo" "$1" <<'PY'
import glob, sys, os, re
repo, out, n = sys.argv[1], sys.argv[2], 0
for path in [os.path.join(repo, "README.md")] + sorted(glob.glob(os.path.join(repo, "docs", "*.md"))):
    name = os.path.relpath(path, repo)
    lines = open(path, encoding="utf-8").read().split("\n")
    i = 0
    while i < len(lines):
        if lines[i].strip() == "```csharp":
            start, body = i + 1, []
            i += 1
            while i < len(lines) and lines[i].strip() != "```":
                body.append(lines[i]); i += 1
            n += 1
            prev = next((l.strip() for l in reversed(lines[:start - 1]) if l.strip()), "")
            text = "\n".join(body) + "\n"
            # #line: the compiler's messages point at the Markdown file's own lines.
            open(os.path.join(out, f"snippet-{n}.cs"), "w").write(f'#line {start + 1} "{name}"\n' + text)
            open(os.path.join(out, f"snippet-{n}.line"), "w").write(f"{name} line {start + 1}\n")
            serves = re.fullmatch(r'<!-- snippet: serves "(.*)" -> "(.*)" -->', prev)
            if serves:
                open(os.path.join(out, f"snippet-{n}.serves"), "w").write(serves[1] + "\n" + serves[2] + "\n")
            if prev == "<!-- snippet: hello-world -->" and name == "README.md":
                open(os.path.join(out, "hello-world.cs"), "w").write(text)
        i += 1
print(n)
PY
}
mkdir -p "$tmp/readme"
snippet_count=$(extract "$tmp/readme")

hello="$tmp/hello"
log="$tmp/hello.log"
if [[ ! -f "$tmp/readme/hello-world.cs" ]]; then
  fail "README has a \`<!-- snippet: hello-world -->\` C# block"
elif ! { timeout 120 dotnet new console -o "$hello" -n Hello --no-restore \
         && cp "$tmp/readme/hello-world.cs" "$hello/Program.cs" \
         && (cd "$hello" && timeout 300 dotnet add package ActorSockets --version "$version") \
         && timeout 300 dotnet build "$hello" -c Release; } >"$log" 2>&1; then
  fail "hello world: dotnet new console + dotnet add package ActorSockets $version + README's Program.cs builds" "$log"
else
  pass "hello world: dotnet new console + dotnet add package ActorSockets $version + README's Program.cs builds"
  # Serve: run it (port 0 in README), read LISTENING <port>, send a line, expect it in upper case.
  if timeout 60 python3 "$tmp/serve.py" "$hello/bin/Release/net10.0/Hello.dll" "hello from the check" "HELLO FROM THE CHECK" >"$tmp/serve.log" 2>&1
  then pass "hello world serves: $(tail -n 1 "$tmp/serve.log"), a line comes back upper-cased"
  else fail "hello world serves a line over TCP and drains on SIGTERM" "$tmp/serve.log"
  fi
  # Its dependency closure, from the restore's own record.
  closure=$(python3 - "$hello/obj/project.assets.json" <<'PY'
import json, re, sys
libs = json.load(open(sys.argv[1]))["libraries"]
names = sorted(k.split("/")[0] for k, v in libs.items() if v.get("type") == "package")
bad = [n for n in names if re.match(r"(DotNetty|Akka\.Remote|Akka\.Cluster|OpenTelemetry|System\.CommandLine$|Microsoft\.Extensions\.Logging\.Console$)", n, re.I)]
print(("bad " if bad else "ok ") + f"{len(names)} packages: " + ", ".join(names) + (f"; forbidden: {bad}" if bad else ""))
PY
  )
  if [[ "$closure" == ok* ]]; then pass "hello world dependency closure has no DotNetty, Akka.Remote/Cluster, OpenTelemetry, System.CommandLine, Logging.Console: ${closure#ok }"
  else fail "hello world dependency closure: ${closure#bad }"
  fi
fi

# --- 4. dotnet new actorsockets ---------------------------------------------------------
hive="$tmp/template-hive"
log="$tmp/template.log"
if ! { timeout 120 dotnet new install "$packages/ActorSockets.Templates.$version.nupkg" --debug:custom-hive "$hive" \
       && timeout 120 dotnet new actorsockets -n MyServer -o "$tmp/template/MyServer" --debug:custom-hive "$hive"; } >"$log" 2>&1; then
  fail "dotnet new install ActorSockets.Templates $version; dotnet new actorsockets -n MyServer" "$log"
elif ! grep -q "Include=\"ActorSockets.Hosting\" Version=\"$version\"" "$tmp/template/MyServer/src/MyServer/MyServer.csproj" 2>>"$log"; then
  fail "dotnet new actorsockets -n MyServer names src/MyServer/MyServer.csproj, referencing ActorSockets.Hosting $version" "$log"
elif ! timeout 600 dotnet test "$tmp/template/MyServer/MyServer.slnx" -c Release >>"$log" 2>&1; then
  fail "dotnet new actorsockets -n MyServer: builds and its tests pass" "$log"
else
  pass "dotnet new actorsockets -n MyServer: builds, references ActorSockets.Hosting $version, tests pass ($(grep -Eo 'Passed: *[0-9]+' "$log" | tail -n 1 | tr -s ' '))"
fi

# --- 5. every ```csharp block of README.md and docs/*.md compiles --------------------------
snippets="$tmp/snippets"
hosting_version=$(sed -n 's/.*Include="Microsoft.Extensions.Hosting" Version="\([^"]*\)".*/\1/p' Directory.Packages.props)
mkdir -p "$snippets"
echo "<Solution>" >"$snippets/Snippets.slnx"
for ((n = 1; n <= snippet_count; n++)); do
  mkdir -p "$snippets/Snippet$n"
  cp "$tmp/readme/snippet-$n.cs" "$snippets/Snippet$n/Program.cs"
  cat >"$snippets/Snippet$n/Snippet$n.csproj" <<EOF
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <ImplicitUsings>enable</ImplicitUsings>
    <Nullable>enable</Nullable>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="ActorSockets.Hosting" Version="$version" />
    <PackageReference Include="ActorSockets.Cluster" Version="$version" />
    <PackageReference Include="ActorSockets.Prometheus" Version="$prometheus_version" />
    <PackageReference Include="Microsoft.Extensions.Hosting" Version="$hosting_version" />
  </ItemGroup>
</Project>
EOF
  echo "  <Project Path=\"Snippet$n/Snippet$n.csproj\" />" >>"$snippets/Snippets.slnx"
done
echo "</Solution>" >>"$snippets/Snippets.slnx"
if [[ $snippet_count -eq 0 ]]; then
  fail "README.md and docs/*.md have C# blocks to compile"
else
  timeout 600 dotnet build "$snippets/Snippets.slnx" -c Release >"$tmp/snippets.log" 2>&1
  for ((n = 1; n <= snippet_count; n++)); do
    where=$(cat "$tmp/readme/snippet-$n.line")
    if [[ -f "$snippets/Snippet$n/bin/Release/net10.0/Snippet$n.dll" ]]; then
      pass "C# block $n ($where) compiles"
      if [[ -f "$tmp/readme/snippet-$n.serves" ]]; then
        { read -r sent; read -r expected; } <"$tmp/readme/snippet-$n.serves"
        if timeout 90 python3 "$tmp/serve.py" "$snippets/Snippet$n/bin/Release/net10.0/Snippet$n.dll" "$sent" "$expected" \
             >"$tmp/snippet-$n.serve.log" 2>&1; then
          pass "C# block $n ($where) serves: $(tail -n 1 "$tmp/snippet-$n.serve.log"), \"$sent\" answered \"$expected\""
        else
          fail "C# block $n ($where) serves \"$sent\" -> \"$expected\", drains on SIGTERM and exits 0" "$tmp/snippet-$n.serve.log"
        fi
      fi
    else
      grep "Snippet$n/Snippet$n.csproj" "$tmp/snippets.log" | grep -E 'error|warning' | sort -u >"$tmp/snippet-$n.errors"
      [[ -s "$tmp/snippet-$n.errors" ]] || tail -n 25 "$tmp/snippets.log" >"$tmp/snippet-$n.errors"
      fail "C# block $n ($where) compiles" "$tmp/snippet-$n.errors"
    fi
  done
fi

# --- 6. the documentation: the generated configuration chapter is current, links resolve ----
if python3 docs/gen-configuration.py --check >"$tmp/docs-config.log" 2>&1; then
  pass "docs/04-configuration.md is current with hocon/reference.conf"
else
  fail "docs/04-configuration.md is current with hocon/reference.conf (run python3 docs/gen-configuration.py)" "$tmp/docs-config.log"
fi
if python3 docs/check-links.py >"$tmp/docs-links.log" 2>&1; then
  pass "documentation links resolve: $(tail -n 1 "$tmp/docs-links.log")"
else
  fail "documentation links resolve" "$tmp/docs-links.log"
fi

finish
