#!/usr/bin/env bash
# The two commands of README.md's quick start, on a fresh Debian bookworm:
#   scripts/quickstart.sh check     install what is missing, build, run `busmap check`
#   scripts/quickstart.sh test      install what is missing, build, run the test suite
# and one for the sanitizer configuration:
#   scripts/quickstart.sh sanitize  the same suite under ASan + UBSan (build-sanitize/)
# Extra arguments go to `busmap check` or to ctest.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
packages=(build-essential cmake ninja-build pkg-config python3
          librapidcheck-dev libz3-dev libgtest-dev libgmock-dev libboost-dev
          libcli11-dev libfmt-dev nlohmann-json3-dev libbenchmark-dev librsvg2-bin)

install_missing() {
  local missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "quickstart: installing ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

build() { # build DIR [cmake args...]
  local dir="$1"; shift
  local werror=OFF
  [ -n "${CI:-}" ] && werror=ON
  cmake -S "$here" -B "$dir" -G Ninja -DBUSMAP_WERROR="$werror" "$@" >/dev/null
  cmake --build "$dir" -j "$(nproc)"
}

cmd="${1:-}"
[ $# -gt 0 ] && shift
case "$cmd" in
  check)
    install_missing
    build "$here/build"
    exec "$here/build/cli/busmap" check "$@"
    ;;
  test)
    install_missing
    build "$here/build"
    exec ctest --test-dir "$here/build" --output-on-failure -j "$(nproc)" -LE "heavy|random" "$@"
    ;;
  sanitize)
    install_missing
    build "$here/build-sanitize" -DBUSMAP_SANITIZE=ON -DBUSMAP_BUILD_BENCH=OFF
    exec ctest --test-dir "$here/build-sanitize" --output-on-failure -j "$(nproc)" -LE "heavy|packaging|random" "$@"
    ;;
  *)
    echo "usage: scripts/quickstart.sh check|test|sanitize [args...]" >&2
    exit 2
    ;;
esac
