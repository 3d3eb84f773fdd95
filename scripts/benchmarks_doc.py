"""docs/benchmarks.md and docs/benchmarks.png from `revoice bench --json` reports.

usage: benchmarks_doc.py OUT.md PIPELINE.json [MORE.json ...] [--asr ASR.json]
Needs matplotlib (the bench venv has it).
"""
import json
import os
import platform
import sys


def pipeline_rows(report):
    out = ['| tool | workers x threads | wall s | x real time | first chunk s | recognition s (sum) '
           '| synthesis s (sum) | fit s (sum) | peak RSS per worker MiB | round-trip WER % |',
           '|---|---|---|---|---|---|---|---|---|---|']
    for r in report['runs']:
        first = '-' if r['first_chunk_s'] is None else f"{r['first_chunk_s']:.1f}"
        wer = '-' if r['round_trip_wer'] is None else f"{100 * r['round_trip_wer']:.1f}"
        out.append(f"| {r['tool']} | {r['workers']}x{r['threads']} | {r['wall_s']:.1f} | "
                   f"{r['x_realtime']:.2f} | {first} | {r['recognition_s_sum']:.1f} | "
                   f"{r['synthesis_s_sum']:.1f} | {r['fit_s_sum']:.1f} | "
                   f"{r['peak_rss_mib_worker']:.0f} | {wer} |")
    return out


def asr_rows(report):
    out = ['| recogniser | model | windows | threads | seconds | x real time | WER % vs base f16 full |',
           '|---|---|---|---|---|---|---|']
    for a in report['asr']:
        out.append(f"| {a['tool']} | {a['model']} | {a['context']} | {a['threads']} | "
                   f"{a['seconds']:.2f} | {a['x_realtime']:.1f} | {100 * a['wer_vs_base']:.1f} |")
    return out


def target_rows(reports, asr):
    """Issue 6's targets, read off the same reports: each Revoice run against the Python
    route's run of the same shape in the same report."""
    out = ['| target | measured | met |', '|---|---|---|']
    for rep in reports:
        runs = rep['runs']
        for r in (r for r in runs if r['tool'].startswith('revoice')):
            py = next((p for p in runs if p['tool'].startswith('python')
                       and (p['workers'], p['threads']) == (r['workers'], r['threads'])), None)
            shape = f"{r['workers']}x{r['threads']}"
            if py:
                ratio = r['x_realtime'] / py['x_realtime']
                out.append(f"| throughput >= 1.5x the Python route ({r['tool']}, {shape}) | "
                           f"{r['x_realtime']:.2f} / {py['x_realtime']:.2f} = {ratio:.2f}x | "
                           f"{'yes' if ratio >= 1.5 else '**no**'} |")
            out.append(f"| peak memory per worker <= 400 MB ({r['tool']}, {shape}) | "
                       f"{r['peak_rss_mib_worker']:.0f} MiB | "
                       f"{'yes' if r['peak_rss_mib_worker'] * 1.048576 <= 400 else '**no**'} |")
            if r['first_chunk_s'] is not None:
                out.append(f"| first finished chunk < 10 s ({r['tool']}, {shape}; the first chunk "
                           f"is 15 s at any length) | {r['first_chunk_s']:.1f} s | "
                           f"{'yes' if r['first_chunk_s'] < 10 else '**no**'} |")
    if asr:
        fw = [a for a in asr['asr'] if not a['tool'].startswith('revoice')]
        ours = [a for a in asr['asr'] if a['tool'].startswith('revoice')]
        if fw and ours:
            # The terms: as fast, at a WER within one point of faster-whisper's.
            close = [a for a in ours if a['wer_vs_base'] <= fw[0]['wer_vs_base'] + 0.01]
            for label, pool in (("fastest Revoice within one WER point", close),
                                ("Revoice as the pipeline recognises (full windows)",
                                 [a for a in close if a['context'] == 'full'])):
                if not pool:
                    continue
                best = min(pool, key=lambda a: a['seconds'])
                met = best['seconds'] <= fw[0]['seconds']
                out.append(f"| recognition alone as fast as faster-whisper int8 | {label} "
                           f"({best['model']}, {best['context']} windows, WER {100 * best['wer_vs_base']:.1f} %) "
                           f"{best['seconds']:.2f} s against {fw[0]['seconds']:.2f} s "
                           f"(WER {100 * fw[0]['wer_vs_base']:.1f} %) | {'yes' if met else '**no**'} |")
    return out


def plot(reports, path):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(7, 4))
    series = {}
    for rep in reports:
        for r in rep['runs']:
            series.setdefault(r['tool'], []).append((r['workers'], r['threads'], r['x_realtime']))
    for tool, pts in series.items():
        pts.sort()
        labels = [f"{w}x{t}" for w, t, _ in pts]
        ax.plot(labels, [x for _, _, x in pts], marker='o', label=tool)
    ax.set_xlabel('workers x threads')
    ax.set_ylabel('x real time (higher is faster)')
    ax.set_title('Throughput on this machine, same input, same run')
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main():
    args = sys.argv[1:]
    asr = None
    if '--asr' in args:
        i = args.index('--asr')
        asr = json.load(open(args[i + 1]))
        del args[i:i + 2]
    out, files = args[0], args[1:]
    reports = [json.load(open(f)) for f in files]
    png = os.path.splitext(out)[0] + '.png'
    plot(reports, png)
    lines = ['# Benchmarks', '',
             'Made by `scripts/benchmarks.sh` from `revoice bench --json`; do not edit by hand.',
             f'Machine: {reports[0]["cores"]} cores, {platform.machine()}, '
             f'{reports[0]["available_mib"]} MiB free at the start. CPU only (no GPU was lent to this run).',
             'Every figure is one run unless said; the Python route (../shared/bench/reference_pipeline.py, '
             'faster-whisper int8 + the same joe voice through onnxruntime, no fitting, no prosody) ran '
             'in the same `revoice bench` call, right after Revoice, on the same input.', '']
    lines += ['## Targets (issue 6)', ''] + target_rows(reports, asr) + ['']
    for rep in reports:
        lines += [f"## Whole pipeline: {rep['audio_s']:.0f} s of {', '.join(os.path.basename(p) for p in rep['input'])} "
                  f"(model {rep['model']}, quality {rep['quality']}, language {rep['language']})", '',
                  f"Automatic choice on this machine: {rep['automatic']['reason']}.", '']
        lines += pipeline_rows(rep) + ['']
    lines += [f'![throughput against workers x threads]({os.path.basename(png)})', '']
    if asr:
        lines += [f"## Recognition alone: {asr['audio_s']:.0f} s of "
                  f"{', '.join(os.path.basename(p) for p in asr['input'])} (language {asr['language']})", '']
        lines += asr_rows(asr) + ['']
    open(out, 'w').write('\n'.join(lines) + '\n')


if __name__ == '__main__':
    main()
