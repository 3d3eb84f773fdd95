#!/usr/bin/env bash
# Regenerate docs/quality.md: every corpus file converted with every built-in preset, with
# prosody transfer off and on, each conversion measured by `revoice eval` (the measures of
# ../shared/docs/quality.md). Takes about an hour on 2 cores.
#
#   scripts/quality-report.sh [CORPUS_DIR] [WORK_DIR]
#
# REVOICE names the binary to measure (default target/release/revoice). With
# REVOICE_EVAL_ONLY=1 the conversions already in WORK_DIR (audio and summary) are measured
# again without converting anew: for a change to the evaluator alone.
#
# Raw results go to WORK_DIR/results.jsonl (one eval report per line, with the file, preset
# and switch added); docs/quality.md is written from them by scripts/quality_table.py.
set -euo pipefail
cd "$(dirname "$0")/.."
corpus="${1:-../shared/corpus}"
work="${2:-target/quality}"
revoice="${REVOICE:-target/release/revoice}"
[ -x "$revoice" ] || cargo build --release --locked
mkdir -p "$work"
results="$work/results.jsonl"
: > "$results"

presets=(draft natural best deeper lighter)
for input in "$corpus"/*.wav "$corpus"/*.flac "$corpus"/*.mp3; do
  [ -f "$input" ] || continue
  name="$(basename "${input%.*}")"
  reference="$corpus/reference/$name.json"
  for preset in "${presets[@]}"; do
    for prosody in off on; do
      out="$work/$name.$preset.$prosody.wav"
      summary="$work/$name.$preset.$prosody.json"
      echo "== $name / $preset / prosody $prosody" >&2
      if [ "${REVOICE_EVAL_ONLY:-0}" = 1 ] && [ -s "$out" ] && [ -s "$summary" ]; then
        echo "   (measuring the conversion already there)" >&2
      else
        "$revoice" convert "$input" -o "$out" --overwrite --json --preset "$preset" \
          --timing "$prosody" --melody "$prosody" --loudness "$prosody" > "$summary"
      fi
      # The voice that spoke the file's main language; the preset's chunk length.
      voice="$(python3 scripts/quality_table.py --voice "$summary")"
      chunk="$(sed -n 's/^chunk_secs *= *//p' "assets/presets/$preset.toml")"
      # The target voice is the preset's, with its pitch and formant shifts.
      args=(--json --preset "$preset" --voice "$voice" --chunk-secs "$chunk")
      [ -f "$reference" ] && args+=(--reference "$reference")
      "$revoice" eval "$input" "$out" "${args[@]}" \
        | python3 -c 'import json,sys; r=json.load(sys.stdin); r.update(file=sys.argv[1], preset=sys.argv[2], prosody=sys.argv[3], wall_secs=json.load(open(sys.argv[4]))[0]["wall_secs"]); print(json.dumps(r))' \
          "$name" "$preset" "$prosody" "$summary" >> "$results"
    done
  done
done
scripts/onset-floor.sh "$results" "$corpus" "$work"
python3 scripts/quality_table.py "$results" > docs/quality.md.tmp
[ -f docs/quality-notes.md ] && cat docs/quality-notes.md >> docs/quality.md.tmp
mv docs/quality.md.tmp docs/quality.md
echo "wrote docs/quality.md from $results" >&2
