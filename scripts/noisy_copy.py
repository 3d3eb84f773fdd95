"""A copy of a recording with white noise 20 dB below its mean power, 0.85 of the level.

    noisy_copy.py INPUT OUTPUT.wav

The words, and every moment they are said at, stay exactly where they were: evaluating the
input against this copy measures how much the evaluator's own word times move when only
the sound changes (scripts/onset-floor.sh). Needs numpy and soundfile (the bench venv).
"""
import sys

import numpy as np
import soundfile as sf

x, rate = sf.read(sys.argv[1], dtype='float32')
if x.ndim > 1:
    x = x.mean(axis=1)
power = float(np.mean(x ** 2))
noise = np.random.default_rng(1).standard_normal(len(x)).astype('float32') * np.sqrt(power / 100)
sf.write(sys.argv[2], np.clip(0.85 * (x + noise), -1, 1), rate)
