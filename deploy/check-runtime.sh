#!/usr/bin/env bash
# Checks the container's Java runtime without a container engine (none can run containers on the build machines):
#  1. every JDK module the jar uses (jdeps) is in deploy/jdk-modules;
#  2. deploy/jlink-runtime.sh (the very script the Containerfile runs) builds the runtime;
#  3. the runtime needs no native library beyond what gcr.io/distroless/cc-debian12 ships (glibc, libstdc++, libgcc);
#  4. `bastion serve` starts from it as the image runs it: uid 65532, no capabilities, no-new-privileges, and (where
#     this machine allows a private mount namespace) a read-only root with only BASTION_HOME and a tmpfs /tmp
#     writable; then /health/live, /health/ready, /metrics and a generation on a tiny model (jdk.incubator.vector)
#     are checked over HTTP, and nothing may have been written outside BASTION_HOME and /tmp.
# Usage: deploy/check-runtime.sh [JAR]   (default: cli/target/bastion.jar, built if missing)
#        SKIP_JDEPS=1 skips step 1 (a minute of CPU on the 78 MB jar) when re-running after a change to step 4.
# Needs a JDK 25, curl, and util-linux (setpriv, unshare) for the confinement; run as root for all of step 4.
set -euo pipefail
for tool in curl ldd; do command -v "$tool" >/dev/null || { echo "check-runtime: needs $tool" >&2; exit 2; }; done
root="$(cd "$(dirname "$0")/.." && pwd)"
. "$root/bin/jdk.sh"
jar="${1:-$root/cli/target/bastion.jar}"
if [ ! -f "$jar" ]; then
  echo "check-runtime: building $jar" >&2
  (cd "$root" && mvn -B -q -ntp -DskipTests package -pl cli -am >&2)
fi
work="$(mktemp -d /tmp/bastion-runtime-check.XXXXXX)"
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "check-runtime: FAIL: $*" >&2; exit 1; }
say() { echo "check-runtime: $*"; }

# 1. The modules the code needs statically, against the list the image is built with.
listed=$(sed 's/#.*//' "$root/deploy/jdk-modules" | awk 'NF && $1 !~ /^-/ {print $1}' | sort -u)
omitted=$(sed 's/#.*//' "$root/deploy/jdk-modules" | awk 'NF && $1 ~ /^-/ {print substr($1, 2)}' | sort -u)
if [ "${SKIP_JDEPS:-0}" = 1 ]; then
  say "jdeps: skipped (SKIP_JDEPS=1)"
else
  used=$(jdeps --ignore-missing-deps --multi-release 25 --print-module-deps "$jar" 2>/dev/null | tr ',' '\n' | sed '/^$/d' | sort -u)
  missing=$(comm -23 <(echo "$used") <(printf '%s\n%s\n' "$listed" "$omitted" | sort -u))
  [ -z "$missing" ] || fail "the jar uses JDK modules deploy/jdk-modules lacks: $(echo $missing)"
  say "jdeps: the jar uses $(echo "$used" | wc -l) JDK modules, each listed or deliberately omitted ($(echo $omitted))"
fi

# 2. The runtime, exactly as the Containerfile makes it.
"$root/deploy/jlink-runtime.sh" "$work/java"
rt="$work/java"
for m in $listed; do
  "$rt/bin/java" --list-modules | grep -q "^$m@" || fail "module $m is not in the runtime"
done
for m in $omitted jdk.compiler jdk.jshell jdk.jdwp.agent; do
  if "$rt/bin/java" --list-modules | grep -q "^$m@"; then fail "module $m should not be in the runtime"; fi
done
say "jlink: runtime of $("$rt/bin/java" --list-modules | wc -l) modules, $(du -sm "$rt" | cut -f1) MB"

# 3. Native libraries the runtime can load must exist on distroless cc (glibc, libstdc++, libgcc_s) or in the runtime.
allowed='^(linux-vdso\.so\.1|libc\.so\.6|libm\.so\.6|libdl\.so\.2|libpthread\.so\.0|librt\.so\.1|libresolv\.so\.2|libstdc\+\+\.so\.6|libgcc_s\.so\.1|/lib64/ld-linux-x86-64\.so\.2|ld-linux-x86-64\.so\.2|ld-linux-aarch64\.so\.1)$'
while IFS= read -r lib; do
  name=$(echo "$lib" | awk '{print $1}')
  [ -z "$name" ] && continue
  if [[ ! "$name" =~ $allowed ]] && [ ! -e "$rt/lib/$name" ] && [ ! -e "$rt/lib/server/$name" ]; then
    fail "the runtime needs $name, which distroless cc does not ship"
  fi
done < <(find "$rt" -name '*.so' -o -path '*/bin/java' | xargs ldd 2>/dev/null | grep -v ':$' | sed 's/^[[:space:]]*//')
say "native libraries: only glibc, libstdc++ and libgcc_s from the system"

# 4. Serve from the runtime under the image's constraints.
mkdir -p "$work/app" "$work/home" "$work/tmp"
cp "$jar" "$work/app/bastion.jar"
chmod 0755 "$work" "$work/app" && chmod 0644 "$work/app/bastion.jar" && chmod -R a+rX "$rt"
mark="$work/started"; touch "$mark"
# as the Containerfile's ENTRYPOINT runs it (plus a heap cap for a shared machine)
java_cmd=("$rt/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC
          -XX:-UsePerfData -Djava.awt.headless=true -Djava.io.tmpdir="$work/tmp" -Xmx1g -jar "$work/app/bastion.jar")
confinement="as the current user"
wrap=()
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
  chown 65532:65532 "$work/home" "$work/tmp"
  # 65532: distroless' nonroot; no capabilities at all, and no way to regain any
  wrap=(setpriv --reuid=65532 --regid=65532 --clear-groups --inh-caps=-all --bounding-set=-all --no-new-privs --)
  confinement="as uid 65532 without capabilities, no-new-privileges"
  if unshare -m --propagation private true 2>/dev/null; then
    # A private mount namespace: every mount read-only, then BASTION_HOME (the volume) and a tmpfs /tmp writable.
    cat >"$work/confine.sh" <<'CONFINE'
#!/usr/bin/env bash
set -euo pipefail
home="$1"; tmp="$2"; shift 2
for mp in $(awk '{print $5}' /proc/self/mountinfo | sort -r); do
  case "$mp" in /proc*|/sys*|/dev*) continue ;; esac
  mount -o remount,bind,ro "$mp" 2>/dev/null || true
done
mount -t tmpfs -o size=64m,mode=1777 tmpfs "$tmp"
mount --bind "$home" "$home"
mount -o remount,bind,rw "$home"
exec "$@"
CONFINE
    chmod +x "$work/confine.sh"
    wrap=(unshare -m --propagation private "$work/confine.sh" "$work/home" "$work/tmp" "${wrap[@]}")
    confinement="$confinement, read-only root filesystem, writable only BASTION_HOME and a tmpfs /tmp"
  fi
fi
say "starting bastion serve $confinement"
extra_env=()
# exec all the way down (env, unshare, setpriv exec too), so that a backgrounded run's PID is the JVM's
run() { exec env -i PATH=/usr/bin:/bin BASTION_HOME="$work/home" HOME=/nonexistent "${extra_env[@]}" "${wrap[@]}" "${java_cmd[@]}" "$@"; }
start_server() {
  (run serve --host 127.0.0.1:0 >"$work/serve.log" 2>&1) &
  server_pid=$!
  url=""
  for _ in $(seq 1 120); do
    url=$(grep -o 'listening on http://[0-9.:]*' "$work/serve.log" | sed 's/listening on //' || true)
    [ -n "$url" ] && return 0
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/serve.log" >&2; fail "the server exited"; }
    sleep 0.5
  done
  cat "$work/serve.log" >&2; fail "the server did not start within 60 s"
}
stop_server() { kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""; }
# waits up to 15 s for /health/ready to answer the given status
await_ready() {
  for _ in $(seq 1 30); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$url/health/ready")" = "$1" ] && return 0
    sleep 0.5
  done
  fail "/health/ready did not become $1"
}
(run create tiny --generate llama) >"$work/create.log" 2>&1 || { cat "$work/create.log" >&2; fail "bastion create failed"; }
start_server
key=$(cat "$work/home/admin.key")
[ "$(curl -s "$url/health/live")" = '{"status":"ok"}' ] || fail "/health/live"
[ "$(curl -s "$url/health/ready")" = '{"status":"ok"}' ] || fail "/health/ready"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$url/metrics")" = 401 ] || fail "/metrics must need a key"
# the web app's static files are served out of the jar through the zip file system (jdk.zipfs)
[ "$(curl -s -o /dev/null -w '%{http_code}' "$url/static/app.css")" = 200 ] || fail "/static/app.css from the jar"
metrics=$(curl -s -H "Authorization: Bearer $key" "$url/metrics")
for m in jvm_memory_used_bytes process_cpu_usage jvm_gc_pause_seconds process_files_open_files http_server_requests_seconds_count; do
  grep -q "^$m" <<<"$metrics" || fail "/metrics lacks $m (a JDK module missing from the runtime?)"
done
reply=$(curl -s -H "Authorization: Bearer $key" "$url/api/generate" \
  -d '{"model":"tiny","prompt":"hello","stream":false,"options":{"num_predict":4,"seed":1}}')
grep -q '"done":true' <<<"$reply" || fail "generation on the runtime failed: $reply"
grep -q '^bastion_tokens_generated_total{model="tiny:latest"} 4' <<<"$(curl -s -H "Authorization: Bearer $key" "$url/metrics")" \
  || fail "the generation was not counted"
say "serve: /health/live, /health/ready, /metrics (JVM and process metrics), static files and a generation work from the runtime"
stop_server

# 5. The same runtime on PostgreSQL as compose.yaml runs it (password and server secret as files), where Debian's
#    server binaries are installed: ready while the database answers, 503 while it is down, ready again after.
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -n "$pgbin" ] && [ -x "$pgbin/initdb" ] && [ "$(id -u)" = 0 ] && id postgres >/dev/null 2>&1; then
  pg="$work/pg"; mkdir -p "$pg"; chown postgres "$pg"
  pgport=$((20000 + RANDOM % 20000))
  echo "pg-admin-$RANDOM$RANDOM" >"$pg/pw"; chown postgres "$pg/pw"
  echo "bastion-$RANDOM$RANDOM$RANDOM" >"$work/db_password"; chmod 0444 "$work/db_password"
  head -c 32 /dev/urandom | base64 >"$work/secret.key"; chmod 0444 "$work/secret.key"
  pgctl() { runuser -u postgres -- "$pgbin/pg_ctl" -D "$pg/data" -l "$pg/log" -w -t 30 "$@" >/dev/null; }
  runuser -u postgres -- "$pgbin/initdb" -D "$pg/data" -U postgres --pwfile="$pg/pw" -A scram-sha-256 >/dev/null
  pgctl -o "-p $pgport -k $pg -c listen_addresses=127.0.0.1 -c fsync=off" start
  trap 'pgctl -m immediate stop 2>/dev/null || true; cleanup' EXIT
  PGPASSWORD=$(cat "$pg/pw") "$pgbin/psql" -q -h 127.0.0.1 -p "$pgport" -U postgres -d postgres \
    -c "CREATE ROLE bastion LOGIN PASSWORD '$(cat "$work/db_password")'" -c "CREATE DATABASE bastion OWNER bastion"
  rm -f "$work/home/admin.key" "$work/home/admin.password"
  extra_env=(BASTION_DATABASE_URL="jdbc:postgresql://127.0.0.1:$pgport/bastion" BASTION_DATABASE_USER=bastion
             BASTION_DATABASE_PASSWORD_FILE="$work/db_password" BASTION_SECRET_KEY_FILE="$work/secret.key")
  start_server
  [ "$(curl -s "$url/health/ready")" = '{"status":"ok"}' ] || fail "/health/ready on PostgreSQL"
  pgctl -m immediate stop
  await_ready 503
  [ "$(curl -s "$url/health/ready")" = '{"status":"unavailable"}' ] || fail "/health/ready must say only unavailable"
  [ "$(curl -s -o /dev/null -w '%{http_code}' "$url/health/live")" = 200 ] || fail "/health/live while the database is down"
  pgctl -o "-p $pgport -k $pg -c listen_addresses=127.0.0.1 -c fsync=off" start
  await_ready 200
  stop_server
  pgctl -m immediate stop
  say "PostgreSQL: ready, 503 while the database was down (live stayed 200), ready again after it came back"
else
  say "PostgreSQL: skipped (needs root and Debian's postgresql server binaries)"
fi

# Nothing written outside the volume and /tmp: the runtime and the jar are as jlink and the build left them.
changed=$(find "$work/java" "$work/app" -newer "$mark" -print | head -5)
[ -z "$changed" ] || fail "files changed outside BASTION_HOME: $changed"
say "OK"
