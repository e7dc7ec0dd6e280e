#!/usr/bin/env bash
# Build the topology canister's wasm: the one build that dfx (dfx.json), CI and
# the tests use. Writes target/canister/topology.wasm and prints its size and
# sha256.
#
#   1. cargo builds topology-canister for wasm32-unknown-unknown with the
#      `canister` profile (release with fat lto, codegen-units = 1, panic = abort), with
#      --locked and the build's own paths remapped, so the bytes depend on the
#      sources, Cargo.lock and the toolchain, not on where or when it runs.
#      Toolchain: rustup's, when its wasm32-unknown-unknown target is installed
#      (target dir target/wasm); otherwise Debian's rustc-web 1.96 building the
#      standard library with -Zbuild-std and linking with rustup's rust-lld
#      (target dir target/wasm-fallback). The two compilers differ, so the two
#      paths give different (each reproducible) bytes; the output says which ran.
#   2. ic-wasm shrink (drops unused functions and debug info).
#   3. Checks that the module imports only from `ic0`, the system API: anything
#      else (e.g. wasm-bindgen's `__wbindgen_placeholder__`) cannot be
#      installed on the IC.
#   4. ic-wasm metadata candid:service (public) from candid/topology.did, when
#      that file exists, and ic-wasm check-endpoints: the exported queries and
#      updates are exactly the .did's methods.
#
# Usage: scripts/build.sh
# Environment:
#   WASM_TOOLCHAIN=auto|rustup|debian  force a path (default auto, as above)
# Tools come from scripts/install-wasm-toolchain.sh; this script installs nothing.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
# shellcheck source-path=SCRIPTDIR source=wasm-toolchain.env
. "$root/scripts/wasm-toolchain.env"

case "${1:-}" in
  "") ;;
  -h | --help)
    sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
    exit 0
    ;;
  *)
    echo "build.sh: takes no arguments (see --help)" >&2
    exit 2
    ;;
esac

package=topology-canister
artifact=topology_canister.wasm
did="$root/candid/topology.did"
out_dir="$root/target/canister"
out="$out_dir/topology.wasm"

say() { echo "build.sh: $*" >&2; }
die() {
  say "error: $*"
  exit 1
}
missing() { die "$1 (run scripts/install-wasm-toolchain.sh)"; }

# --- the tools ----------------------------------------------------------------
ic_wasm=""
for cand in "${IC_WASM_ROOT:-$root/target/tools}/bin/ic-wasm" "$(command -v ic-wasm || true)"; do
  if [ -n "$cand" ] && [ -x "$cand" ]; then
    ic_wasm="$cand"
    break
  fi
done
[ -n "$ic_wasm" ] || missing "ic-wasm not found in ${IC_WASM_ROOT:-target/tools}/bin or on PATH"
got="$("$ic_wasm" --version 2>/dev/null || true)"
[ "$got" = "ic-wasm $IC_WASM_VERSION" ] ||
  missing "$ic_wasm is '$got', the build is pinned to ic-wasm $IC_WASM_VERSION"
command -v wasm-objdump >/dev/null 2>&1 || missing "wasm-objdump (Debian package wabt) not found"
command -v sha256sum >/dev/null 2>&1 || die "sha256sum not found (coreutils)"

mode="${WASM_TOOLCHAIN:-auto}"
if [ "$mode" = auto ]; then
  if command -v rustup >/dev/null 2>&1 &&
    rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    mode=rustup
  else
    mode=debian
  fi
fi

# --- 1. cargo build -----------------------------------------------------------
# Paths compiled into the module (panic locations) are remapped: the checkout
# to /topology, cargo's home (registry sources) to /cargo. CARGO_ENCODED_RUSTFLAGS
# (separated by 0x1f) takes precedence over RUSTFLAGS and any config, and keeps
# paths with spaces intact.
cargo_home="${CARGO_HOME:-$HOME/.cargo}"
flags=("--remap-path-prefix=$cargo_home=/cargo" "--remap-path-prefix=$root=/topology")
export CARGO_INCREMENTAL=0
unset RUSTFLAGS CARGO_BUILD_RUSTFLAGS CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS RUSTC_WRAPPER CARGO_BUILD_RUSTC_WRAPPER

case "$mode" in
  rustup)
    if ! { command -v rustup >/dev/null 2>&1 && rustup target list --installed | grep -qx wasm32-unknown-unknown; }; then
      die "WASM_TOOLCHAIN=rustup but rustup has no wasm32-unknown-unknown target (rustup target add wasm32-unknown-unknown)"
    fi
    target_dir="$root/target/wasm"
    cargo=(cargo)
    toolchain="$(rustc --version) (rustup, target wasm32-unknown-unknown)"
    extra=()
    ;;
  debian)
    if [ ! -x /usr/bin/rustc ] || [ ! -x /usr/bin/cargo ]; then
      missing "no rustup wasm32 target and no Debian rustc-web/cargo-web in /usr/bin"
    fi
    [ -f /usr/lib/rustlib/src/rust/library/Cargo.lock ] ||
      missing "the standard library's sources for -Zbuild-std (Debian package rust-web-src) are missing"
    # rust-lld ships with rustup's toolchain; `rustup which` finds it whatever
    # comes first on PATH. Without rustup, LLVM's wasm-ld of rustc's LLVM.
    lld=""
    if command -v rustup >/dev/null 2>&1; then
      sysroot="$(dirname "$(dirname "$(rustup which rustc)")")"
      cand="$sysroot/lib/rustlib/x86_64-unknown-linux-gnu/bin/rust-lld"
      if [ -x "$cand" ]; then lld="$cand"; fi
    fi
    if [ -z "$lld" ]; then
      llvm="$(/usr/bin/rustc -vV | sed -n 's/^LLVM version: \([0-9]*\).*/\1/p')"
      if [ -x "/usr/lib/llvm-$llvm/bin/wasm-ld" ]; then lld="/usr/lib/llvm-$llvm/bin/wasm-ld"; fi
    fi
    [ -n "$lld" ] || missing "no wasm linker: neither rustup's rust-lld nor LLVM's wasm-ld"
    flags+=("-Clinker=$lld")
    target_dir="$root/target/wasm-fallback"
    cargo=(env RUSTC_BOOTSTRAP=1 RUSTC=/usr/bin/rustc /usr/bin/cargo)
    toolchain="$(/usr/bin/rustc --version) (Debian, -Zbuild-std), linker $lld"
    extra=("-Zbuild-std=std,panic_abort")
    ;;
  *) die "WASM_TOOLCHAIN must be auto, rustup or debian, not '$mode'" ;;
esac

CARGO_ENCODED_RUSTFLAGS="$(
  IFS=$'\x1f'
  echo "${flags[*]}"
)"
export CARGO_ENCODED_RUSTFLAGS
say "toolchain: $toolchain"
"${cargo[@]}" build --locked --profile canister --target wasm32-unknown-unknown "${extra[@]}" \
  --target-dir "$target_dir" -p "$package"
built="$target_dir/wasm32-unknown-unknown/canister/$artifact"
[ -s "$built" ] || die "cargo finished but $built is missing"

# --- 2-4. ic-wasm and the imports ----------------------------------------------
# ic-wasm exits 0 even when its output fails validation; it says so on stdout.
run_ic_wasm() {
  local log
  log="$(RUST_BACKTRACE=0 RUST_LIB_BACKTRACE=0 "$ic_wasm" "$@" 2>&1)" || {
    echo "$log" >&2
    die "ic-wasm $* failed"
  }
  if grep -q 'WARNING' <<<"$log"; then
    echo "$log" >&2
    die "ic-wasm $*: the output does not validate"
  fi
  [ -z "$log" ] || echo "$log" >&2
}

# No stale module survives a failed build.
mkdir -p "$out_dir"
rm -f "$out"
# Private scratch files, so that two builds at once cannot mix their bytes.
tmp="$(mktemp "$out_dir/topology.wasm.XXXXXX")"
hidden="$tmp.hidden"
trap 'rm -f "$tmp" "$hidden"' EXIT
run_ic_wasm "$built" -o "$tmp" shrink
# The imports, checked first: a wrong one explains every later failure.
# wasm-objdump lists each import as `- func[i] sig=s <name> <- module.field`.
imports="$(wasm-objdump -x -j Import "$tmp" | sed -n 's/.* <- \(.*\)$/\1/p')"
foreign="$(grep -v '^ic0\.' <<<"$imports" || true)"
if [ -n "$foreign" ]; then
  die "the module imports from outside ic0, which no canister can provide:
$(head -n 20 <<<"$foreign")
(__wbindgen_* means a dependency pulls in wasm-bindgen, e.g. web-time not patched by [patch.crates-io])"
fi
if [ -f "$did" ]; then
  run_ic_wasm "$tmp" -o "$tmp" metadata candid:service -f "$did" -v public
  # Every exported query and update must be in the .did and the other way
  # round; the system's entry points and export_candid!'s get_candid_pointer
  # are not methods, so they are listed as hidden (those the module exports).
  exports="$(wasm-objdump -x -j Export "$tmp" | sed -n 's/^ - func\[[0-9]*\] .* -> "\(.*\)"$/\1/p')"
  {
    grep -xE 'canister_(init|pre_upgrade|post_upgrade|inspect_message|heartbeat|global_timer|on_low_wasm_memory)|get_candid_pointer' \
      <<<"$exports" || true
    # ic-cdk-timers runs each timer task as a self-call to this internal
    # update; it is no method of the interface (ic-wasm names it method:name).
    grep -x 'canister_update <ic-cdk internal> timer_executor' <<<"$exports" |
      sed 's/^canister_update /canister_update:/' || true
  } >"$hidden"
  run_ic_wasm "$tmp" check-endpoints --candid "$did" --hidden "$hidden"
  interface="candid:service from ${did#"$root"/} (public)"
else
  interface="none (${did#"$root"/} does not exist yet)"
fi

chmod 644 "$tmp"
mv "$tmp" "$out"

size() { stat -c %s "$1"; }
say "built:      $built ($(size "$built") bytes before shrink)"
say "interface:  $interface"
say "imports:    $(wc -l <<<"$imports"), all from ic0"
echo "${out#"$root"/}  $(size "$out") bytes"
(cd "$root" && sha256sum "${out#"$root"/}")
