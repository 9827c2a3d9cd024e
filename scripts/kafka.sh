#!/usr/bin/env bash
# A single-node Apache Kafka 3.9 broker (KRaft, broker+controller) on 127.0.0.1, for development
# and tests. Jars come from Maven Central through Maven into a cache folder; no Docker.
#
#   scripts/kafka.sh up        fetch if needed, start with empty storage, print KAFKA_BROKERS=…
#   scripts/kafka.sh restart   stop and start again on the same port, keeping the data
#   scripts/kafka.sh status    print KAFKA_BROKERS=… and exit 0 if running, exit 1 if not
#   scripts/kafka.sh down      stop and delete the data
#
# Environment: PLAT_KAFKA_HOME (default <repo>/.cache/kafka), KAFKA_PORT (default: a free port).
set -euo pipefail

KAFKA_VERSION=3.9.1
here="$(cd "$(dirname "$0")/.." && pwd)"
home="${PLAT_KAFKA_HOME:-$here/.cache/kafka}"
lib="$home/lib-$KAFKA_VERSION"
run="$home/run"
mkdir -p "$home"

say() { printf '%s\n' "$*" >&2; }

free_port() {
  node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

answers() { # port → 0 when something accepts connections there
  node -e "const c=require('net').connect($1,'127.0.0.1');c.on('connect',()=>process.exit(0));c.on('error',()=>process.exit(1));setTimeout(()=>process.exit(1),1000)"
}

running() {
  [ -f "$run/pid" ] && kill -0 "$(cat "$run/pid")" 2>/dev/null
}

fetch() {
  [ -f "$lib/.complete" ] && return 0
  say "fetching Apache Kafka $KAFKA_VERSION from Maven Central into $lib"
  mkdir -p "$home/pom"
  cat > "$home/pom/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.plat</groupId><artifactId>kafka-runtime</artifactId><version>1</version><packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-reload4j</artifactId><version>1.7.36</version></dependency>
  </dependencies>
</project>
POM
  rm -rf "$lib"
  mvn -q -B -f "$home/pom/pom.xml" dependency:copy-dependencies -DoutputDirectory="$lib" -DincludeScope=runtime >&2
  touch "$lib/.complete"
}

write_config() { # port controller_port
  mkdir -p "$run/data"
  cat > "$run/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$2
listeners=PLAINTEXT://127.0.0.1:$1,CONTROLLER://127.0.0.1:$2
advertised.listeners=PLAINTEXT://127.0.0.1:$1
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$run/data
num.partitions=3
auto.create.topics.enable=true
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
log.retention.hours=24
PROPS
  cat > "$run/log4j.properties" <<LOG
log4j.rootLogger=WARN, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=$run/kafka.log
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.server.KafkaRaftServer=INFO
LOG
  echo "$1" > "$run/port"
}

start() {
  local port
  port="$(cat "$run/port")"
  nohup java -Xms256m -Xmx768m -XX:+UseG1GC -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$run/log4j.properties" \
    -cp "$lib/*" kafka.Kafka "$run/server.properties" > "$run/stdout.log" 2>&1 &
  echo $! > "$run/pid"
  for _ in $(seq 1 120); do
    if ! running; then
      say "Kafka exited while starting; see $run/stdout.log and $run/kafka.log"
      tail -20 "$run/stdout.log" >&2 || true
      exit 1
    fi
    if answers "$port" && grep -q "Kafka Server started" "$run/kafka.log" 2>/dev/null; then
      echo "KAFKA_BROKERS=127.0.0.1:$port"
      return 0
    fi
    sleep 0.5
  done
  say "Kafka did not answer on 127.0.0.1:$port within 60 s; see $run/kafka.log"
  stop
  exit 1
}

stop() {
  running || return 0
  local pid
  pid="$(cat "$run/pid")"
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$run/pid"
}

case "${1:-}" in
  up)
    if running; then echo "KAFKA_BROKERS=127.0.0.1:$(cat "$run/port")"; exit 0; fi
    fetch
    rm -rf "$run"
    port="${KAFKA_PORT:-$(free_port)}"
    controller="$(free_port)"
    while [ "$controller" = "$port" ]; do controller="$(free_port)"; done
    write_config "$port" "$controller"
    cluster="$(java -cp "$lib/*" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -1)"
    java -Dlog4j.configuration="file:$run/log4j.properties" -cp "$lib/*" kafka.tools.StorageTool format -t "$cluster" -c "$run/server.properties" > "$run/format.log" 2>&1
    start
    ;;
  restart)
    [ -f "$run/server.properties" ] || { say "nothing to restart; run: $0 up"; exit 1; }
    stop
    start
    ;;
  status)
    if running && answers "$(cat "$run/port")"; then echo "KAFKA_BROKERS=127.0.0.1:$(cat "$run/port")"; exit 0; fi
    say "not running"
    exit 1
    ;;
  down)
    stop
    rm -rf "$run"
    ;;
  *)
    say "usage: $0 up|restart|status|down"
    exit 2
    ;;
esac
