#!/usr/bin/env bash
# Installs and starts what lagent-ts needs on a Debian 12 machine:
#   Node.js 24, docker.io (+ gVisor runsc runtime), redis-server, mmdebstrap, chromium
#   (headless, for the browser tests), the npm dependencies and (when present) the sandbox image.
# Idempotent: every step first checks whether it is needed, so a second run is fast.
# Usage: bash scripts/install.sh   (or `source scripts/setup.sh` to also get Node 24 on PATH)
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
NODE_PREFIX="$REPO/.tools/node"
NODE_BIN="$NODE_PREFIX/node_modules/.bin"
NODE_MIN_MAJOR=24
# chromium: the browser tests drive /usr/bin/chromium through puppeteer-core, which downloads
# no browser. Its fonts come with it: fontconfig pulls in fonts-dejavu-core, and its
# recommends (installed, as apt_install keeps recommends) add fonts-liberation.
APT_PACKAGES=(docker.io redis-server runsc mmdebstrap curl chromium)
RUNSC_PATH=/usr/bin/runsc
DAEMON_JSON=/etc/docker/daemon.json
DOCKERD_LOG=/var/log/dockerd.log
REDIS_HOST=127.0.0.1
REDIS_PORT=6379

log() { printf '[setup] %s\n' "$*"; }
die() {
  printf '[setup] ERROR: %s\n' "$*" >&2
  exit 1
}

# --- privileges --------------------------------------------------------------
SUDO=()
if [[ "$(id -u)" -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
  else
    SUDO=(__no_root__)
  fi
fi
# Runs a command as root (directly, or through sudo); fails clearly when neither is possible.
as_root() {
  if [[ "${SUDO[0]:-}" == "__no_root__" ]]; then
    die "this step needs root ('$*'), but we are not root and sudo is not installed; rerun as root or install sudo"
  fi
  "${SUDO[@]}" "$@"
}

# --- apt ---------------------------------------------------------------------
APT_UPDATED=0
pkg_installed() {
  # (captured, not piped into grep -q: with pipefail, dpkg's SIGPIPE would read as "missing")
  local status
  status="$(dpkg -s "$1" 2>/dev/null)" || return 1
  [[ $'\n'"$status"$'\n' == *$'\nStatus: install ok installed\n'* ]]
}
apt_install() {
  local missing=() pkg
  for pkg in "$@"; do
    pkg_installed "$pkg" || missing+=("$pkg")
  done
  if [[ ${#missing[@]} -eq 0 ]]; then
    return 0
  fi
  log "installing apt packages: ${missing[*]}"
  if [[ $APT_UPDATED -eq 0 ]]; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null ||
      die "apt-get update failed"
    APT_UPDATED=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null ||
    die "apt-get install ${missing[*]} failed"
}

# --- Node.js 24 --------------------------------------------------------------
# Prints the major version of the given node binary, or 0 when it does not run.
node_major() {
  local v
  v="$("$1" --version 2>/dev/null)" || {
    echo 0
    return 0
  }
  v="${v#v}"
  v="${v%%.*}"
  [[ "$v" =~ ^[0-9]+$ ]] || v=0
  echo "$v"
}

ensure_node() {
  local current=0
  if command -v node >/dev/null 2>&1; then
    current="$(node_major node)"
  fi
  if [[ "$current" -ge "$NODE_MIN_MAJOR" ]]; then
    log "node $(node --version) ok"
    return 0
  fi
  if [[ "$(node_major "$NODE_BIN/node")" -lt "$NODE_MIN_MAJOR" ]]; then
    if ! command -v npm >/dev/null 2>&1; then
      # Bootstrap: Debian's npm is only needed to fetch the registry's node@24 package.
      apt_install nodejs npm
    fi
    log "installing node@$NODE_MIN_MAJOR from the npm registry into ${NODE_PREFIX#"$REPO"/}"
    mkdir -p "$NODE_PREFIX"
    # The node package's install script runs a nested npm with the prefix's own config, so a
    # CA bundle set in the global npmrc is lost there: pass it on through the environment.
    local cafile
    cafile="$(npm config get cafile 2>/dev/null || true)"
    if [[ -n "$cafile" && "$cafile" != "null" && -f "$cafile" ]]; then
      export npm_config_cafile="$cafile"
      export NODE_EXTRA_CA_CERTS="${NODE_EXTRA_CA_CERTS:-$cafile}"
    fi
    npm install --prefix "$NODE_PREFIX" "node@$NODE_MIN_MAJOR" \
      --no-save --no-package-lock --no-audit --no-fund --loglevel=error >/dev/null ||
      die "npm install node@$NODE_MIN_MAJOR failed"
    [[ "$(node_major "$NODE_BIN/node")" -ge "$NODE_MIN_MAJOR" ]] ||
      die "node@$NODE_MIN_MAJOR was installed but $NODE_BIN/node does not report version >= $NODE_MIN_MAJOR"
  fi
  export PATH="$NODE_BIN:$PATH"
  hash -r
  log "node $(node --version) ok (from ${NODE_BIN#"$REPO"/})"
}

# --- Docker: gVisor runtime registration -------------------------------------
ensure_daemon_json() {
  local tmp rc=0
  tmp="$(mktemp)"
  # Merge the runsc runtime into the existing file (other keys are kept).
  # shellcheck disable=SC2016 # JavaScript, not shell
  node -e '
    const fs = require("fs");
    const [file, out, runscPath] = process.argv.slice(1);
    let cfg = {};
    if (fs.existsSync(file)) {
      const text = fs.readFileSync(file, "utf8");
      if (text.trim() !== "") {
        try { cfg = JSON.parse(text); } catch (e) {
          console.error(`[setup] ERROR: ${file} is not valid JSON: ${e.message}`);
          process.exit(1);
        }
      }
    }
    if (cfg === null || typeof cfg !== "object" || Array.isArray(cfg)) {
      console.error(`[setup] ERROR: ${file} does not hold a JSON object`);
      process.exit(1);
    }
    // --oci-seccomp: gVisor applies the container seccomp profile too.
    const want = { path: runscPath, runtimeArgs: ["--network=none", "--oci-seccomp"] };
    const runtimes = (cfg.runtimes && typeof cfg.runtimes === "object") ? cfg.runtimes : {};
    if (JSON.stringify(runtimes.runsc) === JSON.stringify(want)) process.exit(3);
    cfg.runtimes = { ...runtimes, runsc: want };
    fs.writeFileSync(out, JSON.stringify(cfg, null, 2) + "\n");
  ' "$DAEMON_JSON" "$tmp" "$RUNSC_PATH" || rc=$?
  if [[ $rc -eq 3 ]]; then
    rm -f "$tmp"
    log "docker runtime runsc already registered in $DAEMON_JSON"
    return 0
  elif [[ $rc -ne 0 ]]; then
    rm -f "$tmp"
    die "could not update $DAEMON_JSON"
  fi
  log "registering the gVisor runtime runsc in $DAEMON_JSON"
  as_root mkdir -p "$(dirname "$DAEMON_JSON")"
  as_root install -m 0644 "$tmp" "$DAEMON_JSON"
  rm -f "$tmp"
  local pid
  if pid="$(pgrep -x dockerd | head -n1)" && [[ -n "$pid" ]]; then
    log "reloading dockerd (pid $pid) with SIGHUP"
    as_root kill -HUP "$pid"
  fi
}

# The docker CLI, through sudo only when we are not root and cannot reach the socket.
DOCKER=()
choose_docker_cmd() {
  if [[ ${#SUDO[@]} -eq 0 ]] || docker info >/dev/null 2>&1; then
    DOCKER=(docker)
  elif [[ "${SUDO[0]}" == "sudo" ]]; then
    DOCKER=(sudo docker)
  else
    die "cannot reach the docker engine as $(id -un), and starting it needs root; rerun as root, install sudo, or start dockerd and give this user access to /var/run/docker.sock"
  fi
}
dk() { "${DOCKER[@]}" "$@"; }
docker_ok() { dk info >/dev/null 2>&1; }
docker_has_runsc() {
  local names
  # shellcheck disable=SC2016 # Go template, not shell
  names="$(dk info --format '{{range $name, $_ := .Runtimes}}{{$name}} {{end}}' 2>/dev/null)" ||
    return 1
  [[ " ${names} " == *" runsc "* ]]
}

ensure_dockerd() {
  choose_docker_cmd
  if docker_ok; then
    log "docker engine is running"
  else
    if pgrep -x dockerd >/dev/null 2>&1; then
      log "dockerd is running but not answering yet; waiting"
    else
      log "starting dockerd (log: $DOCKERD_LOG)"
      as_root sh -c "setsid dockerd >'$DOCKERD_LOG' 2>&1 </dev/null &"
    fi
    local i
    for ((i = 0; i < 60; i++)); do
      docker_ok && break
      sleep 1
    done
    if ! docker_ok; then
      as_root tail -n 20 "$DOCKERD_LOG" >&2 2>/dev/null || true
      die "docker engine did not answer 'docker info' within 60 s (see $DOCKERD_LOG)"
    fi
    log "docker engine is up"
  fi
  # After a SIGHUP the runtime list is reloaded asynchronously: allow a few seconds.
  local j
  for ((j = 0; j < 10; j++)); do
    docker_has_runsc && break
    sleep 0.5
  done
  docker_has_runsc ||
    die "'docker info' does not list the runsc runtime (check $DAEMON_JSON and $DOCKERD_LOG)"
}

# --- Redis -------------------------------------------------------------------
redis_ok() {
  [[ "$(redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping 2>/dev/null)" == "PONG" ]]
}

ensure_redis() {
  if redis_ok; then
    log "redis is running on $REDIS_HOST:$REDIS_PORT"
    return 0
  fi
  log "starting redis-server on $REDIS_HOST:$REDIS_PORT"
  redis-server --daemonize yes --bind "$REDIS_HOST" --port "$REDIS_PORT" \
    --save "" --appendonly no >/dev/null ||
    die "redis-server failed to start"
  local i
  for ((i = 0; i < 60; i++)); do
    redis_ok && break
    sleep 0.5
  done
  redis_ok || die "redis did not answer PING on $REDIS_HOST:$REDIS_PORT within 30 s"
  log "redis is up"
}

# --- npm dependencies --------------------------------------------------------
ensure_node_modules() {
  if [[ -d "$REPO/node_modules" && -f "$REPO/node_modules/.package-lock.json" &&
    ! "$REPO/package-lock.json" -nt "$REPO/node_modules/.package-lock.json" ]]; then
    log "node_modules up to date"
    return 0
  fi
  log "running npm ci"
  (cd "$REPO" && npm ci --no-audit --no-fund) || die "npm ci failed"
}

# --- sandbox image -----------------------------------------------------------
ensure_image() {
  if [[ -f "$REPO/images/build.sh" && -x "$REPO/images/build.sh" ]]; then
    log "running images/build.sh"
    "$REPO/images/build.sh" || die "images/build.sh failed"
  fi
}

# --- main --------------------------------------------------------------------
ensure_node
apt_install "${APT_PACKAGES[@]}"
log "apt packages present: ${APT_PACKAGES[*]}"
ensure_daemon_json
ensure_dockerd
ensure_redis
ensure_node_modules
ensure_image

docker_version="$(dk version --format '{{.Server.Version}}' 2>/dev/null || echo '?')"
redis_version="$(redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" info server 2>/dev/null |
  sed -n 's/^redis_version:\([^[:space:]]*\).*/\1/p')"
log "ready: node $(node --version), docker ${docker_version}, redis ${redis_version:-?}"
