#!/usr/bin/env bash
# Builds the container image and smoke-tests it, with neither a Docker engine nor a container
# runtime: the base is assembled with debootstrap (Debian bookworm, minbase) plus Node and npm
# from their npm packages and imported into podman; the image is built with
# `podman build --isolation chroot`; its filesystem is then mounted (`podman image mount`) and its
# entrypoint started with `chroot` as the image's user against the local PostgreSQL.
#
# Checks: an unmigrated database stops the API (exit 3), the migration job, a CLI read command
# without secrets, /readyz 200, /metrics only on the metrics port, one registration-options call
# with a minted token, a clean SIGTERM, no compiler / npm / tests / sources in the image; prints
# the image size.
#
# Usage (root): scripts/image-smoke.sh
#   NODE_TOOLCHAIN     folder with node and npm (default: `.ci/node-toolchain 24`)
#   SMOKE_ADMIN_URL    PostgreSQL to create the scratch database on (default postgres://postgres@127.0.0.1:5432/postgres)
#   IMAGE_CACHE        cache folder for the base root filesystem (default /var/cache/tessera-ci)
#   BUILD_CA_BUNDLE    CA bundle for npm inside the build (default $NODE_EXTRA_CA_CERTS, when set)
#   DEBIAN_MIRROR      default http://deb.debian.org/debian
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
CACHE="${IMAGE_CACHE:-/var/cache/tessera-ci}"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
ADMIN_URL="${SMOKE_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
IMAGE="localhost/tessera:smoke"
mkdir -p "$CACHE"
say() { echo "--- image: $*"; }
fail() { echo "IMAGE SMOKE TEST FAILED: $*" >&2; exit 1; }

TOOLCHAIN="${NODE_TOOLCHAIN:-$("$ROOT/.ci/node-toolchain" 24)}"
export PATH="$TOOLCHAIN:$PATH"
NODE_HOME="$(dirname "$(dirname "$(readlink -f "$TOOLCHAIN/node")")")"
NPM_HOME="$(dirname "$(dirname "$(readlink -f "$TOOLCHAIN/npm")")")"
NODE_VERSION="$(node --version)"
NPM_VERSION="$(npm --version)"
case "$NODE_VERSION" in v24.*) ;; *) fail "the image needs Node 24, the toolchain has $NODE_VERSION" ;; esac

# ---- base image: Debian bookworm minbase + Node 24 + npm (cached by day, rebuilt from nothing otherwise)
DAY="$(date -u +%Y%m%d)"
ROOTFS_TAR="$CACHE/bookworm-minbase-$DAY.tar"
BASE_TAG="localhost/tessera-base:bookworm-$DAY-node${NODE_VERSION#v}-npm$NPM_VERSION"
if ! podman image exists "$BASE_TAG"; then
  if [ ! -s "$ROOTFS_TAR" ]; then
    say "debootstrap --variant=minbase bookworm ($MIRROR)"
    dir="$(mktemp -d "$CACHE/rootfs.XXXXXX")"
    if ! debootstrap --variant=minbase bookworm "$dir" "$MIRROR" >"$CACHE/debootstrap.log" 2>&1; then
      tail -n 40 "$CACHE/debootstrap.log" >&2
      rm -rf "$dir"
      fail "debootstrap --variant=minbase bookworm $dir $MIRROR"
    fi
    # What a slim image leaves out: package caches and lists, documentation, device nodes.
    rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/cache/apt/*.bin "$dir"/var/lib/apt/lists/* \
           "$dir"/usr/share/doc/* "$dir"/usr/share/man/* "$dir"/usr/share/info/* "$dir"/var/log/*.log
    find "$dir/dev" -mindepth 1 -delete
    tar -C "$dir" -cf "$ROOTFS_TAR.tmp" . && mv "$ROOTFS_TAR.tmp" "$ROOTFS_TAR"
    rm -rf "$dir"
    find "$CACHE" -maxdepth 1 -name 'bookworm-minbase-*.tar' ! -name "bookworm-minbase-$DAY.tar" -delete
  fi
  say "importing $BASE_TAG (Node $NODE_VERSION, npm $NPM_VERSION)"
  dir="$(mktemp -d "$CACHE/base.XXXXXX")"
  tar -C "$dir" -xf "$ROOTFS_TAR"
  install -m 0755 "$NODE_HOME/bin/node" "$dir/usr/local/bin/node"
  mkdir -p "$dir/usr/local/lib/node_modules"
  cp -a "$NPM_HOME" "$dir/usr/local/lib/node_modules/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$dir/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$dir/usr/local/bin/npx"
  tar -C "$dir" -c . | podman import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["node"]' - "$BASE_TAG" >/dev/null
  rm -rf "$dir"
fi
podman tag "$BASE_TAG" localhost/tessera-base:latest

# ---- the image
# --format docker keeps the HEALTHCHECK (OCI images have none). Behind a TLS-intercepting proxy
# the npm steps need its CA bundle: passed as a build secret, never stored in a layer.
build_args=(--isolation chroot --format docker --build-arg BASE_IMAGE=localhost/tessera-base -t "$IMAGE" -f Dockerfile)
ca_bundle="${BUILD_CA_BUNDLE:-${NODE_EXTRA_CA_CERTS:-}}"
[ -n "$ca_bundle" ] && [ -s "$ca_bundle" ] && build_args+=(--secret "id=build_ca,src=$ca_bundle")
say "podman build ${build_args[*]} ."
podman build "${build_args[@]}" . || fail "podman build ${build_args[*]} ."

# ---- mount it, run it with chroot as the image's user
MNT=""
DB=""
API_PID=""
cleanup() {
  set +e
  [ -n "$API_PID" ] && kill "$API_PID" 2>/dev/null && wait "$API_PID" 2>/dev/null
  if [ -n "$MNT" ]; then
    umount "$MNT/dev" 2>/dev/null
    umount "$MNT/proc" 2>/dev/null
    podman image unmount "$IMAGE" >/dev/null 2>&1
  fi
  [ -n "$DB" ] && psql "$ADMIN_URL" -qAtc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1
  rm -f "${API_LOG:-}" "${OUT:-}"
}
trap cleanup EXIT

MNT="$(podman image mount "$IMAGE")"
[ -d "$MNT/app" ] || fail "podman image mount $IMAGE: no /app in $MNT"
mount -t proc proc "$MNT/proc"
mount --bind /dev "$MNT/dev"

# The image's own user, working directory, environment and entrypoint.
CONFIG_JSON="$(podman image inspect "$IMAGE" --format '{{json .Config}}')"
field() { node -e 'const c=JSON.parse(process.argv[1]); const v=c[process.argv[2]]; console.log(Array.isArray(v)?v.join("\n"):(v??""))' "$CONFIG_JSON" "$1"; }
IMAGE_USER="$(field User)"
WORKDIR="$(field WorkingDir)"
mapfile -t ENTRYPOINT < <(field Entrypoint)
mapfile -t IMAGE_ENV < <(field Env)
user_name="${IMAGE_USER%%:*}"
[ -n "$user_name" ] && [ "$user_name" != root ] && [ "$user_name" != 0 ] || fail "the image runs as root (User=\"$IMAGE_USER\")"
uid="$(awk -F: -v u="$user_name" '$1==u || $3==u {print $3}' "$MNT/etc/passwd")"
gid="$(awk -F: -v u="$user_name" '$1==u || $3==u {print $4}' "$MNT/etc/passwd")"
[ -n "$uid" ] || fail "user $user_name is not in the image's /etc/passwd"
say "user $IMAGE_USER ($uid:$gid), workdir $WORKDIR, entrypoint ${ENTRYPOINT[*]}"

DB="tessera_image_smoke_$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')"
psql "$ADMIN_URL" -qAtc "CREATE DATABASE $DB" >/dev/null
DB_URL="$(node -e 'const u=new URL(process.argv[1]); u.pathname="/"+process.argv[2]; console.log(u.toString())' "$ADMIN_URL" "$DB")"
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
PORT="$(free_port)"
METRICS_PORT="$(free_port)"
[ "$PORT" != "$METRICS_PORT" ] || METRICS_PORT="$(free_port)"
JWT_SECRET="$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')"
PLATFORM_KEY="smoke-platform-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
ENC_KEY="$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')"
SERVICE_ENV=(DATABASE_URL="$DB_URL" HOST=127.0.0.1 PORT="$PORT" METRICS_HOST=127.0.0.1 METRICS_PORT="$METRICS_PORT"
  AUTH_JWT_SECRET="$JWT_SECRET" PLATFORM_API_KEY="$PLATFORM_KEY" MFA_ENCRYPTION_KEY="$ENC_KEY" LOG_LEVEL=info)
# in_image [VAR=value ...] command ...: the image's environment plus the VARs, chroot into the
# mounted image as its user, in its working directory.
in_image() { env -i "${IMAGE_ENV[@]}" chroot --userspec="$uid:$gid" "$MNT" /usr/bin/env -C "${WORKDIR:-/}" "$@"; }
API_LOG="$(mktemp)"
OUT="$(mktemp)"
# in_image_retrying [VAR=value ...] command ...: as in_image, output in $OUT, exit code in $code.
# A process that cannot open a database connection within its 3 s connect timeout exits 1 (an
# orchestrator would restart it); on a loaded CI machine that is retried, up to three times.
in_image_retrying() {
  for attempt in 1 2 3; do
    set +e
    in_image "$@" >"$OUT" 2>&1
    code=$?
    set -e
    if [ "$code" = 1 ] && grep -q 'connection timeout\|ECONNREFUSED' "$OUT" && [ "$attempt" -lt 3 ]; then
      echo "attempt $attempt: $(grep -m1 -o 'Connection terminated due to connection timeout\|ECONNREFUSED' "$OUT"); retrying" >&2
      continue
    fi
    return 0
  done
}

say "the API on an unmigrated database must refuse to start (exit 3)"
in_image_retrying "${SERVICE_ENV[@]}" "${ENTRYPOINT[@]}"
grep -q 'pending migrations\?; run `' "$OUT" && [ "$code" = 3 ] || { cat "$OUT" >&2; fail "API start on an unmigrated database: exit $code, expected 3 with the pending-migrations message"; }
grep -o '[0-9]* pending migrations\?; run `[^`]*`' "$OUT" | head -1

say "migration job: node dist/apps/cli/src/main.js migrate"
in_image_retrying DATABASE_URL="$DB_URL" node dist/apps/cli/src/main.js migrate
cat "$OUT"
[ "$code" = 0 ] || fail "the migration job exited $code"

say "CLI read command without signing or encryption secrets: tenants list"
in_image_retrying DATABASE_URL="$DB_URL" node dist/apps/cli/src/main.js tenants list
cat "$OUT"
[ "$code" = 0 ] || fail "tenants list exited $code"

say "starting ${ENTRYPOINT[*]} on 127.0.0.1:$PORT (metrics :$METRICS_PORT)"
# A start that cannot reach the database within its connect timeout exits 1 (an orchestrator
# would restart it): on a loaded CI machine, allow three attempts.
ready=""
for attempt in 1 2 3; do
  # Inline, so that every step execs and $! is the service's own process (SIGTERM reaches it).
  env -i "${IMAGE_ENV[@]}" chroot --userspec="$uid:$gid" "$MNT" /usr/bin/env -C "${WORKDIR:-/}" "${SERVICE_ENV[@]}" "${ENTRYPOINT[@]}" >"$API_LOG" 2>&1 &
  API_PID=$!
  for _ in $(seq 1 240); do
    kill -0 "$API_PID" 2>/dev/null || break
    status="$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/readyz" || true)"
    [ "$status" = 200 ] && { ready=1; break; }
    sleep 0.5
  done
  [ -n "$ready" ] && break
  if kill -0 "$API_PID" 2>/dev/null; then cat "$API_LOG" >&2; fail "/readyz did not answer 200 within 2 minutes (last: $status)"; fi
  wait "$API_PID" || true
  API_PID=""
  echo "attempt $attempt: the API exited during start:" >&2
  tail -n 5 "$API_LOG" >&2
done
[ -n "$ready" ] || fail "the API did not start in three attempts"
echo "GET /readyz → 200 $(curl -s "http://127.0.0.1:$PORT/readyz")"

status="$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/metrics")"
[ "$status" = 404 ] || fail "/metrics on the API port answered $status, expected 404"
curl -sf "http://127.0.0.1:$METRICS_PORT/metrics" -o "$OUT" || fail "/metrics on the metrics port"
grep -q '^tessera_ceremonies_started_total\|^# TYPE tessera_ceremonies_started_total' "$OUT" || fail "/metrics lacks tessera_ceremonies_started_total"
echo "GET /metrics: 404 on :$PORT, 200 on :$METRICS_PORT ($(grep -c '^# TYPE tessera_' "$OUT") tessera_ metrics)"

tenant_json="$(curl -sf -X POST "http://127.0.0.1:$PORT/v1/tenants" -H "X-API-Key: $PLATFORM_KEY" -H 'Content-Type: application/json' \
  -d '{"name":"Smoke","webauthn":{"rp_id":"smoke.example","rp_name":"Smoke","origins":["https://app.smoke.example"]}}')" || fail "POST /v1/tenants"
TENANT="$(node -e 'console.log(JSON.parse(process.argv[1]).id)' "$tenant_json")"
TOKEN="$(in_image AUTH_JWT_SECRET="$JWT_SECRET" DATABASE_URL="$DB_URL" node dist/apps/cli/src/main.js token mint --tenant "$TENANT" --sub smoke-user --amr pwd)"
status="$(curl -s -o "$OUT" -w '%{http_code}' -X POST "http://127.0.0.1:$PORT/v1/users/me/mfa/webauthn/register?method_type=webauthn_passkey" \
  -H "Authorization: Bearer $TOKEN" -H "X-Tenant-ID: $TENANT")"
[ "$status" = 200 ] && node -e 'const b=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")); if(!b.options?.challenge||b.options.rp?.id!=="smoke.example") process.exit(1)' "$OUT" \
  || { cat "$OUT" >&2; fail "registration options answered $status"; }
echo "POST /v1/users/me/mfa/webauthn/register → 200 (rp id smoke.example, challenge issued)"

kill -TERM "$API_PID"
set +e
wait "$API_PID"
code=$?
set -e
API_PID=""
[ "$code" = 0 ] || { tail -n 20 "$API_LOG" >&2; fail "SIGTERM: exit $code, expected 0"; }
grep -q '"msg":"shutdown started"' "$API_LOG" && grep -q '"msg":"shutdown complete"' "$API_LOG" || { tail -n 20 "$API_LOG" >&2; fail "no shutdown start/end log lines"; }
echo "SIGTERM → exit 0, shutdown logged"

say "contents"
for tool in gcc cc g++ c++ clang clang++ tcc make as ld npm npx corepack; do
  for dir in usr/bin usr/local/bin bin usr/sbin; do
    [ ! -e "$MNT/$dir/$tool" ] || fail "the image contains /$dir/$tool"
  done
done
[ ! -e "$MNT/app/test" ] && [ ! -e "$MNT/app/dist/test" ] && [ ! -e "$MNT/app/dist/bench" ] || fail "the image contains test/ or bench/"
[ ! -e "$MNT/app/apps" ] && [ ! -e "$MNT/app/libs" ] || fail "the image contains TypeScript sources"
if find "$MNT/app/dist" \( -name '*.spec.js' -o -name '*.test.js' -o -name '*.ts' \) | grep -q .; then fail "the image contains test files or sources under /app/dist"; fi
for dev in typescript @nestjs/cli @nestjs/testing playwright-core fast-check; do
  [ ! -e "$MNT/app/node_modules/$dev" ] || fail "the image contains the dev dependency $dev"
done
echo "no compiler, no npm, no test/, no sources, no dev dependencies"

size_bytes="$(podman image inspect "$IMAGE" --format '{{.Size}}')"
base_bytes="$(podman image inspect localhost/tessera-base:latest --format '{{.Size}}')"
echo "image size: $((size_bytes / 1000000)) MB ($size_bytes bytes; base $((base_bytes / 1000000)) MB)"
say "smoke test passed"
