"""Power by simulation: 10,000 simulated trials of 2,000 persons analysed with the log-rank test.

(a) four arms against a control (step-down Dunnett), analysed at accrual + follow-up; (b) two arms
analysed at 600 events, against rpact's `getSimulationSurvival` (individual times simulated in
C++, the same design and number of trials) in the same run. rpact's multi-arm simulation draws the
test statistics from their normal approximation rather than persons, so it is timed for reference
only. R and rpact from Debian (`apt-get install r-cran-rpact`); skipped when Rscript is missing.

Run: python benches/bench_design.py [--sims 10000] [--threads 2]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import time

import duurzaam as dz

R_TWO = """
suppressPackageStartupMessages(library(rpact))
t <- system.time(s <- getSimulationSurvival(alpha = 0.025, sided = 1, hazardRatio = 0.8, median2 = 12,
    accrualTime = c(0, 12), maxNumberOfSubjects = 2000, plannedEvents = 600, directionUpper = FALSE,
    maxNumberOfIterations = {sims}, seed = 1))[["elapsed"]]
cat(t, s$overallReject, "\\n")
"""
R_MULTI = """
suppressPackageStartupMessages(library(rpact))
d <- getDesignInverseNormal(kMax = 1, alpha = 0.025, sided = 1)
t <- system.time(m <- suppressWarnings(getSimulationMultiArmSurvival(d, activeArms = 3, plannedEvents = 1200,
    typeOfShape = "userDefined", effectMatrix = matrix(c(0.7, 0.8, 0.9), nrow = 1), intersectionTest = "Dunnett",
    directionUpper = FALSE, maxNumberOfIterations = {sims}, seed = 1)))[["elapsed"]]
cat(t, m$rejectAtLeastOne, "\\n")
"""


def best(f, repeat=3):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t)
    return min(times), out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sims", type=int, default=10000)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    kw = dict(n_sims=a.sims, seed=1, n_jobs=a.threads, progress=False)
    t4, s4 = best(lambda: dz.design.simulate_power([1 / 0.7, 1 / 0.8, 1 / 0.9], n=2000, median_control=12,
                                                   accrual_time=12, follow_up_time=12, correction="dunnett", **kw))
    print(f"four arms, 2,000 persons, {a.sims} trials, {a.threads} threads: duurzaam {t4:.2f} s "
          f"(power any {s4.power_any:.3f})")
    t2, s2 = best(lambda: dz.design.simulate_power(0.8, n=2000, median_control=12, accrual_time=12, events=600,
                                                   alpha=0.025, sided=1, **kw))
    line = f"two arms, 2,000 persons, 600 events, {a.sims} trials: duurzaam {t2:.2f} s (power {s2.power_any:.3f})"
    if shutil.which("Rscript"):
        out = subprocess.run(["Rscript", "-e", R_TWO.replace("{sims}", str(a.sims))], capture_output=True, text=True,
                             check=True).stdout.split()
        line += f"; rpact getSimulationSurvival {float(out[0]):.2f} s (power {float(out[1]):.3f}): " \
                f"{float(out[0]) / t2:.1f}x"
        out = subprocess.run(["Rscript", "-e", R_MULTI.replace("{sims}", str(a.sims))], capture_output=True,
                             text=True, check=True).stdout.split()
        print(f"rpact getSimulationMultiArmSurvival (normal approximation, no persons): {float(out[0]):.2f} s")
    print(line)


if __name__ == "__main__":
    main()
