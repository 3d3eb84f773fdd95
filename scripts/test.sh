#!/usr/bin/env bash
# Run every test: set up what is missing (idempotent, no demo), then the Rust tests with the
# real models on ../shared/corpus.
set -euo pipefail
cd "$(dirname "$0")/.."
# The tests read the corpus in place: ../shared/corpus beside the checkout, or REVOICE_CORPUS.
corpus="${REVOICE_CORPUS:-../shared/corpus}"
if [ ! -f "$corpus/jfk.flac" ]; then
  echo "test.sh: corpus not found at $corpus (no jfk.flac); set REVOICE_CORPUS to the corpus folder" >&2
  exit 1
fi
scripts/setup.sh --no-demo
cargo fmt --all -- --check
cargo clippy --release --locked --workspace --all-targets -- -D warnings
cargo test --release --locked --workspace -- --test-threads=1
# The UI in Debian's Chromium with the backend mocked at the IPC boundary.
(cd ui && npm test)
# The real app under a virtual display, driven through tauri-driver: drop a corpus file,
# convert it, check the output (also regenerates docs/screenshot.png).
node --test ui/e2e/
