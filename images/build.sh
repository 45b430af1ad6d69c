#!/usr/bin/env bash
# Builds the sandbox image (skipped when this recipe's tag exists). Called by scripts/install.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
exec node sandboxes/docker/build-image-main.ts
