"""Writes tests/golden/data/few_clusters.csv: 14 municipalities with a shared frailty, persons
randomised within them, months to work (censored at 24), for make_golden_few_clusters.R.
Run from the repository root: python tests/golden/make_data_few_clusters.py"""

import numpy as np
import pandas as pd

rng = np.random.default_rng(14)
G = 14
sizes = rng.integers(20, 60, G)
mun = np.repeat(np.arange(1, G + 1), sizes)
n = len(mun)
frailty = rng.gamma(1 / 0.3, 0.3, G)[mun - 1]
arm = rng.integers(0, 2, n)
age = rng.integers(18, 64, n)
rate = 0.06 * frailty * np.exp(0.35 * arm - 0.015 * (age - 40))
t = np.ceil(rng.exponential(1 / rate))  # whole months: ties
event = (t <= 24).astype(int)
pd.DataFrame({"municipality": mun, "arm": arm, "age": age, "months": np.minimum(t, 24).astype(int),
              "work": event}).to_csv("tests/golden/data/few_clusters.csv", index=False)
