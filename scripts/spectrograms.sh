#!/usr/bin/env bash
# Spectrograms of inputs and their conversions (Natural preset, prosody off and on) from the
# outputs scripts/quality-report.sh left in WORK_DIR, for looking at joins and artefacts:
# docs/spectrograms/NAME.{input,off,on}.png. Needs sox.
#
#   scripts/spectrograms.sh [CORPUS_DIR] [WORK_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
corpus="${1:-../shared/corpus}"
work="${2:-target/quality}"
mkdir -p docs/spectrograms
for name in jfk lecture_en lecture_ru; do
  input="$(ls "$corpus/$name".* | head -1)"
  # The first 12 s: enough to see phrases, pauses and joins at a readable scale.
  sox "$input" -n remix 1 trim 0 12 spectrogram -x 1200 -y 257 -z 90 \
    -t "$name: input" -o "docs/spectrograms/$name.input.png"
  for prosody in off on; do
    out="$work/$name.natural.$prosody.wav"
    [ -f "$out" ] || continue
    sox "$out" -n remix 1 trim 0 12 spectrogram -x 1200 -y 257 -z 90 \
      -t "$name: Natural preset, prosody $prosody" -o "docs/spectrograms/$name.$prosody.png"
  done
done
echo "wrote docs/spectrograms/" >&2
