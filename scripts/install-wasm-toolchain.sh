#!/usr/bin/env bash
# Install what scripts/build.sh needs to build the canister wasm, and nothing
# that is already there (safe to run again; a second run installs nothing).
#
#   - a Rust toolchain that can build for wasm32-unknown-unknown: rustup's
#     target when it is installed (the ordinary path on a machine with internet:
#     `rustup target add wasm32-unknown-unknown`), otherwise Debian's
#     rustc-web, cargo-web and rust-web-src, which build the standard library
#     with -Zbuild-std (the fallback; see scripts/build.sh), plus a wasm linker;
#   - ic-wasm, pinned in scripts/wasm-toolchain.env: the binary DFINITY
#     publishes on npm (@icp-sdk/ic-wasm-linux-x64), else built from crates.io
#     with `cargo install --locked`, into target/tools (IC_WASM_ROOT overrides
#     the place; an ic-wasm of the pinned version already on PATH is used as is);
#   - wabt (Debian) for wasm-objdump, which build.sh uses to check the imports.
#
# Usage: scripts/install-wasm-toolchain.sh [--verify]
#   --verify  also build a tiny cdylib with the fallback recipe, to prove it
#             works here (done anyway right after installing the Debian packages)
# Debian packages are installed with apt-get (as root, or through sudo).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source-path=SCRIPTDIR source=wasm-toolchain.env
. "$root/scripts/wasm-toolchain.env"
ic_wasm_root="${IC_WASM_ROOT:-$root/target/tools}"

verify=0
for arg in "$@"; do
  case "$arg" in
    --verify) verify=1 ;;
    -h | --help)
      sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "install-wasm-toolchain.sh: unknown argument: $arg" >&2
      exit 2
      ;;
  esac
done

say() { echo "install-wasm-toolchain: $*" >&2; }
die() {
  say "error: $*"
  exit 1
}
installed=()

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "need root (or sudo) to run: $*"
  fi
}

apt_updated=0
apt_install() {
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found; install these packages by hand: $*"
  if [ "$apt_updated" -eq 0 ]; then
    as_root apt-get update -qq
    apt_updated=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >&2
}

deb_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

# --- Rust for wasm32-unknown-unknown -----------------------------------------
rustup_target=0
if command -v rustup >/dev/null 2>&1 &&
  rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  rustup_target=1
  say "rustup has the wasm32-unknown-unknown target: the ordinary path, no Debian Rust needed"
else
  missing=()
  for p in $DEBIAN_RUST_PACKAGES; do deb_installed "$p" || missing+=("$p"); done
  if [ "${#missing[@]}" -gt 0 ]; then
    say "no rustup wasm32 target; installing ${missing[*]} (the -Zbuild-std fallback)"
    apt_install "${missing[@]}"
    installed+=("${missing[@]}")
    verify=1
  else
    say "Debian Rust for the fallback is installed ($DEBIAN_RUST_PACKAGES)"
  fi
  if [ ! -x /usr/bin/rustc ] || [ ! -x /usr/bin/cargo ]; then
    die "/usr/bin/rustc or /usr/bin/cargo missing after installing $DEBIAN_RUST_PACKAGES"
  fi
  [ -f /usr/lib/rustlib/src/rust/library/Cargo.lock ] || die "the standard library's sources (rust-web-src) are missing"

  # The linker: rustup's rust-lld where rustup exists, else LLVM's wasm-ld.
  lld=""
  if command -v rustup >/dev/null 2>&1; then
    sysroot="$(dirname "$(dirname "$(rustup which rustc)")")"
    cand="$sysroot/lib/rustlib/x86_64-unknown-linux-gnu/bin/rust-lld"
    if [ -x "$cand" ]; then lld="$cand"; fi
  fi
  if [ -z "$lld" ]; then
    llvm="$(/usr/bin/rustc -vV | sed -n 's/^LLVM version: \([0-9]*\).*/\1/p')"
    if [ ! -x "/usr/lib/llvm-$llvm/bin/wasm-ld" ]; then
      say "no rustup rust-lld; installing lld-$llvm (wasm-ld matching rustc's LLVM $llvm)"
      apt_install "lld-$llvm"
      installed+=("lld-$llvm")
    fi
    lld="/usr/lib/llvm-$llvm/bin/wasm-ld"
  fi
  say "linker: $lld"

  if [ "$verify" -eq 1 ]; then
    say "verifying the fallback recipe on a tiny cdylib (builds std for wasm32, about a minute)"
    smoke="$(mktemp -d)"
    trap 'rm -rf "$smoke"' EXIT
    mkdir -p "$smoke/src"
    cat >"$smoke/Cargo.toml" <<'EOF'
[package]
name = "wasm-smoke"
version = "0.0.0"
edition = "2021"
publish = false
[lib]
crate-type = ["cdylib"]
[profile.release]
panic = "abort"
[workspace]
EOF
    cat >"$smoke/src/lib.rs" <<'EOF'
#[no_mangle]
pub extern "C" fn answer(n: u32) -> u32 {
    (0..n).collect::<Vec<u32>>().iter().sum()
}
EOF
    (cd "$smoke" && RUSTC_BOOTSTRAP=1 RUSTC=/usr/bin/rustc RUSTFLAGS="-C linker=$lld" \
      /usr/bin/cargo build --quiet --release --target wasm32-unknown-unknown -Zbuild-std=std,panic_abort) ||
      die "the fallback recipe failed on a tiny cdylib (see the errors above)"
    [ -s "$smoke/target/wasm32-unknown-unknown/release/wasm_smoke.wasm" ] || die "the fallback recipe produced no wasm"
    say "the fallback recipe works"
  fi
fi

# --- wabt (wasm-objdump) ------------------------------------------------------
if ! command -v wasm-objdump >/dev/null 2>&1; then
  say "installing wabt (wasm-objdump)"
  apt_install wabt
  installed+=(wabt)
fi

# --- ic-wasm ------------------------------------------------------------------
want="ic-wasm $IC_WASM_VERSION"
ic_wasm=""
for cand in "$ic_wasm_root/bin/ic-wasm" "$(command -v ic-wasm || true)"; do
  if [ -n "$cand" ] && [ -x "$cand" ] && [ "$("$cand" --version 2>/dev/null)" = "$want" ]; then
    ic_wasm="$cand"
    break
  fi
done
if [ -z "$ic_wasm" ] && command -v npm >/dev/null 2>&1; then
  # DFINITY publishes the ic-wasm binary on npm (@icp-sdk/ic-wasm-linux-x64): seconds, not minutes.
  say "installing $want from npm (@icp-sdk/ic-wasm-linux-x64@$IC_WASM_VERSION)"
  npm_dir="$(mktemp -d)"
  if (cd "$npm_dir" && npm install --silent --no-save --no-audit --no-fund \
    "@icp-sdk/ic-wasm-linux-x64@$IC_WASM_VERSION" >&2); then
    cand="$npm_dir/node_modules/@icp-sdk/ic-wasm-linux-x64/bin/ic-wasm"
    if [ -x "$cand" ] && [ "$("$cand" --version 2>/dev/null)" = "$want" ]; then
      mkdir -p "$ic_wasm_root/bin"
      cp "$cand" "$ic_wasm_root/bin/ic-wasm"
      ic_wasm="$ic_wasm_root/bin/ic-wasm"
      installed+=("$want (npm)")
    fi
  fi
  rm -rf "$npm_dir"
  [ -n "$ic_wasm" ] || say "the npm package did not give $want; building it from crates.io instead"
fi
if [ -z "$ic_wasm" ]; then
  say "installing $want into $ic_wasm_root (cargo install --locked; 7 to 8 minutes on 2 cores)"
  # The host toolchain builds it: rustup's cargo where present, else Debian's.
  cargo install ic-wasm --version "$IC_WASM_VERSION" --locked --root "$ic_wasm_root" >&2
  ic_wasm="$ic_wasm_root/bin/ic-wasm"
  [ "$("$ic_wasm" --version)" = "$want" ] || die "cargo install did not produce $want"
  installed+=("$want")
fi

# --- report -------------------------------------------------------------------
if [ "${#installed[@]}" -eq 0 ]; then
  say "nothing to install"
else
  say "installed: ${installed[*]}"
fi
if [ "$rustup_target" -eq 1 ]; then
  echo "rust:         $(rustc --version) with the rustup target wasm32-unknown-unknown"
else
  echo "rust:         $(/usr/bin/rustc --version) (Debian, -Zbuild-std fallback)"
  echo "linker:       $lld"
fi
echo "ic-wasm:      $("$ic_wasm" --version) at $ic_wasm"
echo "wasm-objdump: $(wasm-objdump --version) at $(command -v wasm-objdump)"
