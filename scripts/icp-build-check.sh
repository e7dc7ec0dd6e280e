#!/usr/bin/env bash
# `icp build` (icp-cli, configured by icp.yaml) gives the module scripts/build.sh
# gives, byte for byte: install the pinned icp from npm into target/tools (an
# icp of that version on PATH is used as is), build with it, and compare the
# sha256 of its output with target/canister/topology.wasm.
#
# Usage: scripts/icp-build-check.sh   (after scripts/build.sh; CI runs it)
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
# shellcheck source-path=SCRIPTDIR source=wasm-toolchain.env
. "$root/scripts/wasm-toolchain.env"
say() { echo "icp-build-check.sh: $*" >&2; }
die() {
  say "error: $*"
  exit 1
}

want="icp $ICP_CLI_VERSION"
icp=""
if command -v icp >/dev/null 2>&1 && [ "$(icp --version 2>/dev/null)" = "$want" ]; then
  icp="$(command -v icp)"
elif [ -x target/tools/bin/icp ] && [ "$(target/tools/bin/icp --version 2>/dev/null)" = "$want" ]; then
  icp="$root/target/tools/bin/icp"
else
  command -v npm >/dev/null 2>&1 || die "npm is needed to install $want (@icp-sdk/icp-cli-linux-x64)"
  say "installing $want from npm (@icp-sdk/icp-cli-linux-x64@$ICP_CLI_VERSION)"
  npm_dir="$(mktemp -d)"
  (cd "$npm_dir" && npm install --silent --no-save --no-audit --no-fund \
    "@icp-sdk/icp-cli-linux-x64@$ICP_CLI_VERSION" >&2)
  mkdir -p target/tools/bin
  cp "$npm_dir/node_modules/@icp-sdk/icp-cli-linux-x64/bin/icp" target/tools/bin/icp
  rm -rf "$npm_dir"
  icp="$root/target/tools/bin/icp"
  [ "$("$icp" --version)" = "$want" ] || die "the npm package did not give $want"
fi

reference="target/canister/topology.wasm"
[ -f "$reference" ] || die "$reference is missing: run scripts/build.sh first"
expected="$(sha256sum "$reference" | cut -d' ' -f1)"

# No telemetry from CI or a user's check.
export DO_NOT_TRACK=1
"$icp" build topology >&2
# icp keeps the module it built as the canister's artifact (icp-cli 1.5).
built=".icp/cache/artifacts/topology"
[ -f "$built" ] || die "icp build wrote no $built"
got="$(sha256sum "$built" | cut -d' ' -f1)"
echo "icp build:     $got  $built"
echo "scripts/build: $expected  $reference"
[ "$got" = "$expected" ] || die "icp build gave another module than scripts/build.sh"
echo "icp build gives the same module as scripts/build.sh"
