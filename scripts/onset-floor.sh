#!/usr/bin/env bash
# The evaluator's own floor for word onsets: every corpus file measured by `revoice eval`
# against a copy of itself with white noise added (scripts/noisy_copy.py). The words are
# where they were, so every millisecond of onset error here is the measure's, not a
# conversion's. Appends one eval report per file, preset "floor", to RESULTS.
#
#   scripts/onset-floor.sh RESULTS.jsonl [CORPUS_DIR] [WORK_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
results="$1"
corpus="${2:-../shared/corpus}"
work="${3:-target/quality}"
revoice="${REVOICE:-target/release/revoice}"
python=.bench-venv/bin/python
if ! [ -x "$python" ] || ! "$python" -c 'import numpy, soundfile' 2>/dev/null; then
  echo "onset floor skipped: $python with numpy and soundfile is missing (scripts/benchmarks.sh makes it)" >&2
  exit 0
fi
mkdir -p "$work"
for input in "$corpus"/*.wav "$corpus"/*.flac "$corpus"/*.mp3; do
  [ -f "$input" ] || continue
  name="$(basename "${input%.*}")"
  noisy="$work/$name.floor.wav"
  echo "== $name / onset floor" >&2
  "$python" scripts/noisy_copy.py "$input" "$noisy"
  "$revoice" eval "$input" "$noisy" --json --no-speaker \
    | python3 -c 'import json,sys; r=json.load(sys.stdin); r.update(file=sys.argv[1], preset="floor", prosody="-"); print(json.dumps(r))' \
      "$name" >> "$results"
done
