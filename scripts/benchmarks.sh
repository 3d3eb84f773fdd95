#!/usr/bin/env bash
# Regenerate docs/benchmarks.md: Revoice and the Python route side by side on the same
# machine in the same run, plus recognition alone per model. Takes ~20 min on 2 cores.
# The hand-written history in docs/benchmarks-notes.md is appended to the generated page.
# Needs scripts/setup.sh done and ../shared (the corpus and the Python route) beside the repo.
#
#   scripts/benchmarks.sh [LENGTH_SECS]     default 300 (five copies of lecture_en.wav)
set -euo pipefail
cd "$(dirname "$0")/.."
length=${1:-300}
shared=${REVOICE_SHARED:-../shared}
corpus=$shared/corpus
route=$shared/bench/reference_pipeline.py
BIN=target/release/revoice
venv=.bench-venv

# The Python route's own packages, in a venv of ours (not the system's).
if [ ! -x $venv/bin/python ] || ! $venv/bin/python -c 'import faster_whisper, onnxruntime, soundfile, matplotlib' 2>/dev/null; then
  python3 -m venv $venv
  $venv/bin/pip install -q faster-whisper onnxruntime soundfile numpy matplotlib
fi

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
common=(--python $venv/bin/python --reference "$route" --json)

echo "== whole pipeline, ${length} s, workers x threads (with round-trip WER)" >&2
$BIN bench "$corpus/lecture_en.wav" --length "$length" --shapes 1x2,2x1,1x1 --wer "${common[@]}" > "$out/pipeline.json"
echo "== whole pipeline, base with 16-bit weights, the default shape" >&2
$BIN bench "$corpus/lecture_en.wav" --length "$length" --model base --wer "${common[@]}" > "$out/pipeline-base.json"
echo "== recognition alone, 60 s" >&2
$BIN bench "$corpus/lecture_en.wav" --length 60 --language en --asr base,base-q8_0,base-q5_1 "${common[@]}" > "$out/asr.json"

$venv/bin/python scripts/benchmarks_doc.py docs/benchmarks.md "$out/pipeline.json" "$out/pipeline-base.json" --asr "$out/asr.json"
[ -f docs/benchmarks-notes.md ] && cat docs/benchmarks-notes.md >> docs/benchmarks.md
echo "wrote docs/benchmarks.md and docs/benchmarks.png" >&2
