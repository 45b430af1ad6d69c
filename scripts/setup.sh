# shellcheck shell=bash
# Prepares this machine for lagent-ts and puts Node.js 24 on PATH.
#
#   source scripts/setup.sh     # from any directory: installs/starts what is missing,
#                               # then puts Node 24 on this shell's PATH and sets REDIS_URL
#   bash scripts/setup.sh       # installs/starts only (PATH of the caller is not changed)
#
# When sourced it does not change the caller's shell options (no set -e etc.).

_lagent_setup() {
  local repo node_bin major
  repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)" || return 1
  bash "$repo/scripts/install.sh" || {
    echo "[setup] ERROR: scripts/install.sh failed" >&2
    return 1
  }
  node_bin="$repo/.tools/node/node_modules/.bin"
  major=0
  if command -v node >/dev/null 2>&1; then
    major="$(node --version 2>/dev/null)"
    major="${major#v}"
    major="${major%%.*}"
    [[ "$major" =~ ^[0-9]+$ ]] || major=0
  fi
  if [[ -d "$node_bin" && "$major" -lt 24 ]]; then
    PATH="$node_bin:$PATH"
    export PATH
    hash -r
  fi
  export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
}

if [[ "${BASH_SOURCE[0]}" == "${0}" ]]; then
  # Executed, not sourced: PATH changes would be lost with this process.
  _lagent_setup || exit 1
  echo "[setup] done; run 'source ${BASH_SOURCE[0]}' to get Node 24 and REDIS_URL in your shell"
  exit 0
fi

if _lagent_setup; then
  unset -f _lagent_setup
else
  unset -f _lagent_setup
  return 1
fi
