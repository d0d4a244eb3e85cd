"""Writes the notebooks of this folder from their cell sources (run: python notebooks/make_notebooks.py).

Keeping the source here makes review easy; the .ipynb files are what users open and what the
test suite executes (tests/test_notebooks.py).
"""

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent

rossi = [
    new_markdown_cell(
        "# Financial aid after release from prison: time to re-arrest\n\n"
        "The Rossi, Berk and Lenihan (1980) experiment: 432 men released from Maryland state prisons "
        "were followed for 52 weeks; half of them, drawn at random, received financial aid (`fin = 1`). "
        "The outcome is the week of the first re-arrest (`arrest = 1`), censored at 52 weeks. It is the "
        "same question an evaluator asks of a re-integration programme: does the support shift the "
        "time to the event, and by how much?\n\n"
        "Every number below is compared with R's `survival` package (R 4.2.2, survival 3.5-3), whose "
        "output is quoted in the cells."
    ),
    new_code_cell(
        "import numpy as np\n"
        "import duurzaam as dz\n\n"
        "rossi = dz.datasets.load_rossi()\n"
        "rossi.head()"
    ),
    new_markdown_cell("## Kaplan-Meier curves by arm\n\nThe share not re-arrested at 26 and 52 weeks, with 95% log intervals (R's default)."),
    new_code_cell(
        "km = dz.kaplan_meier(rossi, 'week', 'arrest', group='fin')\n"
        "km"
    ),
    new_code_cell(
        "%matplotlib inline\n"
        "ax = km.plot(xlabel='weeks since release', at_risk_times=[0, 13, 26, 39, 52])"
    ),
    new_code_cell(
        "at = km.survival_at([26, 52])\n"
        "at"
    ),
    new_markdown_cell(
        "R: `summary(survfit(Surv(week, arrest) ~ fin, data = rossi), times = c(26, 52))`\n\n"
        "```\n"
        "                fin=0\n"
        " time n.risk n.event   survival     std.err lower 95% CI upper 95% CI\n"
        "   26    187      32 0.85185185 0.024171482   0.80576991   0.90056922\n"
        "   52    154      34 0.69444444 0.031342741   0.63565251   0.75867409\n"
        "                fin=1\n"
        "   26    194      22 0.89814815 0.020579346   0.85870566   0.93940233\n"
        "   52    168      26 0.77777778 0.028287504   0.72426522   0.83524413\n"
        "```"
    ),
    new_code_cell(
        "r_values = {\n"
        "    'survival': [0.85185185, 0.69444444, 0.89814815, 0.77777778],\n"
        "    'std_err': [0.024171482, 0.031342741, 0.020579346, 0.028287504],\n"
        "    'lower': [0.80576991, 0.63565251, 0.85870566, 0.72426522],\n"
        "    'upper': [0.90056922, 0.75867409, 0.93940233, 0.83524413],\n"
        "}\n"
        "for col, want in r_values.items():\n"
        "    assert np.allclose(at[col], want, rtol=0, atol=5e-9), col\n"
        "print('agrees with R to the 8 decimals R printed')"
    ),
    new_markdown_cell(
        "Fewer than half of either arm was re-arrested within the year, so the median time is not "
        "reached (R prints `NA`). The restricted mean survival time up to 52 weeks summarises the "
        "curves instead: the expected number of weeks without re-arrest in the first year."
    ),
    new_code_cell(
        "print(km.median())\n"
        "rm = km.rmst(52)\n"
        "rm"
    ),
    new_markdown_cell(
        "R: `print(survfit(...), rmean = 52)`: `fin=0` rmean 44.833333, se 0.91767154; "
        "`fin=1` rmean 46.875000, se 0.79332490."
    ),
    new_code_cell(
        "assert np.allclose(rm['rmst'], [44.833333, 46.875], atol=5e-7)\n"
        "assert np.allclose(rm['std_err'], [0.91767154, 0.79332490], atol=5e-9)\n"
        "diff = rm['rmst'].iloc[1] - rm['rmst'].iloc[0]\n"
        "se = float(np.hypot(*rm['std_err']))\n"
        "print(f'financial aid: {diff:.2f} more weeks without re-arrest (95% CI {diff - 1.96 * se:.2f} to {diff + 1.96 * se:.2f})')"
    ),
    new_markdown_cell("## Log-rank test"),
    new_code_cell(
        "lr = dz.logrank(rossi, 'week', 'arrest', 'fin')\n"
        "lr"
    ),
    new_markdown_cell(
        "R: `survdiff(Surv(week, arrest) ~ fin, data = rossi)`\n\n"
        "```\n"
        "        N Observed  Expected (O-E)^2/E (O-E)^2/V\n"
        "fin=0 216       66 55.574443 1.9557955 3.8375696\n"
        "fin=1 216       48 58.425557 1.8603544 3.8375696\n"
        " Chisq= 3.8  on 1 degrees of freedom, p= 0.0501161\n"
        "```"
    ),
    new_code_cell(
        "assert abs(lr.statistic - 3.83756957654905) < 1e-10\n"
        "assert abs(lr.p_value - 0.0501161) < 5e-8\n"
        "assert np.allclose(lr.table['expected'], [55.574443, 58.425557], atol=5e-7)\n"
        "print(f'chi-square {lr.statistic:.4f} on {lr.df} df, p = {lr.p_value:.4f}')"
    ),
    new_markdown_cell(
        "The aid arm was re-arrested less often (48 against 66), and the log-rank test puts the "
        "difference right at the conventional 5% boundary (p = 0.050)."
    ),
    new_markdown_cell(
        "## Cox model: financial aid adjusted for age, race, work experience, marriage, parole and "
        "prior convictions\n\n"
        "R: `coxph(Surv(week, arrest) ~ fin + age + race + wexp + mar + paro + prio, data = rossi)`\n\n"
        "```\n"
        "           coef  exp(coef)   se(coef)        z  Pr(>|z|)\n"
        "fin  -0.3794222  0.6842567  0.1913795 -1.98256 0.0474161\n"
        "age  -0.0574377  0.9441807  0.0219995 -2.61087 0.0090312\n"
        "race  0.3138998  1.3687526  0.3079928  1.01918 0.3081180\n"
        "wexp -0.1497957  0.8608838  0.2122243 -0.70584 0.4802897\n"
        "mar  -0.4337039  0.6481041  0.3818681 -1.13574 0.2560642\n"
        "paro -0.0848711  0.9186307  0.1957567 -0.43355 0.6646124\n"
        "prio  0.0914971  1.0958136  0.0286485  3.19378 0.0014042\n"
        "Concordance= 0.64  (se = 0.027 )\n"
        "Likelihood ratio test= 33.27  on 7 df,   p=2.4e-05\n"
        "```"
    ),
    new_code_cell(
        "fit = dz.cox(rossi, 'week', 'arrest', ['fin', 'age', 'race', 'wexp', 'mar', 'paro', 'prio'])\n"
        "fit"
    ),
    new_code_cell(
        "r_coef = [-0.3794222, -0.0574377, 0.3138998, -0.1497957, -0.4337039, -0.0848711, 0.0914971]\n"
        "r_se = [0.1913795, 0.0219995, 0.3079928, 0.2122243, 0.3818681, 0.1957567, 0.0286485]\n"
        "assert np.allclose(fit.summary['coef'], r_coef, atol=5e-8)\n"
        "assert np.allclose(fit.summary['se'], r_se, atol=5e-8)\n"
        "assert abs(fit.lr_test.statistic - 33.27) < 0.005 and abs(fit.concordance - 0.64) < 0.005\n"
        "hr = fit.summary.loc['fin']\n"
        "print(f\"financial aid: hazard ratio {hr.exp_coef:.3f} (95% CI {hr.exp_lower:.3f} to {hr.exp_upper:.3f})\")"
    ),
    new_markdown_cell(
        "Adjusted for the other characteristics, financial aid lowers the re-arrest hazard by about a "
        "third (hazard ratio 0.68, p = 0.047). Does that effect hold over the whole year? The "
        "proportional-hazards test (R: `cox.zph(fit)`) says age and work experience interact with time "
        "(p = 0.015 and 0.040) but financial aid does not (p = 0.80):\n\n"
        "```\n"
        "            chisq df        p\n"
        "fin     0.0624298  1 0.802696\n"
        "age     5.9739817  1 0.014518\n"
        "wexp    4.2245956  1 0.039842\n"
        "GLOBAL 17.6944153  7 0.013428\n"
        "```"
    ),
    new_code_cell("ax = fit.plot()  # hazard ratios with their 95% intervals"),
    new_code_cell(
        "zph = fit.ph_test()\n"
        "assert np.allclose(zph.loc[['fin', 'age', 'wexp', 'GLOBAL'], 'chisq'], [0.0624298, 5.9739817, 4.2245956, 17.6944153], atol=5e-7)\n"
        "zph"
    ),
]


four_arm = [
    new_markdown_cell(
        "# A four-arm randomised evaluation from a register panel\n\n"
        "A municipality randomised people on welfare over four arms: the usual approach (control), more "
        "guidance, remote guidance by an app, and tailored guidance. The evaluator receives the monthly "
        "register: one row per person per month with a status (benefit, work, education, other, or missing) "
        "and the hours worked. The questions: does an arm get people into work sooner, and into work that "
        "lasts (sustained work: a job of at least 12 months)?\n\n"
        "The panel here is generated (`dz.datasets.four_arm_panel`, seeded) with known effects: more guidance "
        "and tailored guidance raise the monthly chance of finding work by 30% and 35%, tailored guidance also "
        "lowers the chance of losing the job by 30%; the app does almost nothing. The estimators used below "
        "are checked against R in the test suite (tests/golden)."
    ),
    new_code_cell(
        "%matplotlib inline\n"
        "import numpy as np\n"
        "import duurzaam as dz\n\n"
        "panel = dz.datasets.four_arm_panel(n_persons=3000, seed=2024)\n"
        "panel.head()"
    ),
    new_markdown_cell(
        "## From months to spells\n\n"
        "A one-month interruption does not end a job (`max_gap`), a month missing from the register does not "
        "end any spell (`max_unobserved`), and work below 12 hours a week is not counted as work."
    ),
    new_code_cell(
        "sp = dz.spells(panel, 'person_id', 'month', 'status', max_gap={'work': 1}, max_unobserved=1,\n"
        "               hours='hours', min_hours=12)\n"
        "sp"
    ),
    new_code_cell(
        "work = sp.time_to('work', origin='programme_start', covariates=['arm', 'municipality'])\n"
        "sustained = sp.time_to('work', origin='programme_start', min_duration=12, covariates=['arm', 'municipality'])\n"
        "summary = dz.drop_summary(sustained)\n"
        "assert summary['count'].sum() == panel['person_id'].nunique()  # everyone accounted for\n"
        "summary"
    ),
    new_markdown_cell("## Time to work and to sustained work by arm"),
    new_code_cell(
        "km = dz.kaplan_meier(sustained, 'duration', 'event', group='arm', entry='entry')\n"
        "ax = km.plot(share_event=True, xlabel='months since programme start', ylabel='share in a job lasting 12+ months')"
    ),
    new_code_cell(
        "at = km.survival_at([6, 12, 18])\n"
        "at.assign(share_in_sustained_work=1 - at['survival'])"
    ),
    new_code_cell(
        "lr = dz.logrank(sustained, 'duration', 'event', 'arm', entry='entry')\n"
        "pairs = dz.pairwise_logrank(sustained, 'duration', 'event', 'arm', reference='control', entry='entry')\n"
        "print(lr)\n"
        "pairs"
    ),
    new_markdown_cell(
        "## Arm contrasts with bootstrap intervals\n\n"
        "Randomisation was within municipalities, and people in one municipality share a labour market, so "
        "the bootstrap resamples whole municipalities. The contrasts are the difference in the share without "
        "sustained work at 18 months and in the restricted mean months without it."
    ),
    new_code_cell(
        "bs = dz.bootstrap(dz.kaplan_meier, sustained, 'duration', 'event', group='arm', entry='entry',\n"
        "                  times=[18], tau=[18], n_resamples=1000, scheme='cluster', cluster='municipality',\n"
        "                  seed=2026, progress=False)\n"
        "ci = bs.ci('percentile')\n"
        "contrasts = ci[ci['quantity'].str.contains('diff')]\n"
        "assert ((contrasts['lower'] <= contrasts['estimate']) & (contrasts['estimate'] <= contrasts['upper'])).all()\n"
        "contrasts"
    ),
    new_code_cell(
        "fit = dz.cox(work, 'duration', 'event', 'C(arm)', entry='entry', cluster='municipality')\n"
        "hr = fit.summary['exp_coef']\n"
        "# the generator's effects on finding any job: 1.3, 1.05 and 1.35\n"
        "assert hr['C(arm)[T.tailored guidance]'] > hr['C(arm)[T.remote guidance (app)]']\n"
        "fit.summary[['exp_coef', 'exp_lower', 'exp_upper', 'p_value']]"
    ),
    new_markdown_cell("## Where people are after 6, 12 and 18 months"),
    new_code_cell(
        "occ = sp.occupancy(origin='programme_start', group='arm', times=[6, 12, 18])\n"
        "assert np.allclose(occ.wide().sum(axis=1), 1.0)\n"
        "axes = occ.plot()\n"
        "occ.wide().round(3)"
    ),
]

competing = [
    new_markdown_cell(
        "# After a subsidised job ends: a regular job, or back on benefit?\n\n"
        "People whose subsidised job (loonkostensubsidie) has ended either find a regular job, return to "
        "benefit, or are still looking when follow-up ends. Treating a return to benefit as censoring would "
        "overstate the chance of a regular job: the two exits compete. The cohort is generated "
        "(`dz.datasets.subsidised_job_exits`, seeded): a coaching route raises the rate of regular jobs and "
        "lowers the rate of return to benefit. The estimators are checked against R (survival and cmprsk) in "
        "the test suite."
    ),
    new_code_cell(
        "%matplotlib inline\n"
        "import numpy as np\n"
        "import duurzaam as dz\n\n"
        "d = dz.datasets.subsidised_job_exits()\n"
        "d['exit'].value_counts().sort_index()"
    ),
    new_code_cell(
        "ci = dz.cumulative_incidence(d, 'months', 'exit', group='route')\n"
        "six = ci.at([6])\n"
        "six['exit'] = six['cause'].map({1: 'regular job', 2: 'back on benefit'})\n"
        "six"
    ),
    new_code_cell(
        "ax = ci.plot(labels={1: 'regular job', 2: 'back on benefit'}, xlabel='months after the subsidised job')"
    ),
    new_markdown_cell(
        "The naive 1 - Kaplan-Meier that censors the returns to benefit overstates the share in a regular job:"
    ),
    new_code_cell(
        "naive = dz.kaplan_meier(d.assign(job=(d['exit'] == 1).astype(int)), 'months', 'job', group='route')\n"
        "naive_share = 1 - naive.survival_at([6])['survival'].to_numpy()\n"
        "aj_share = six[six['cause'] == 1]['cif'].to_numpy()\n"
        "assert (naive_share > aj_share).all()\n"
        "print('1 - KM:', naive_share.round(3), ' Aalen-Johansen:', aj_share.round(3))"
    ),
    new_markdown_cell("## Gray's test and the Fine-Gray model"),
    new_code_cell(
        "gray = ci.gray_test\n"
        "assert (gray['p_value'] < 0.001).all()\n"
        "gray"
    ),
    new_code_cell(
        "fg = dz.fine_gray(d, 'months', 'exit', 'C(route) + subsidy_months + age', cause=1)\n"
        "cs = dz.cause_specific_cox(d, 'months', 'exit', 'C(route) + subsidy_months + age', cause=1)\n"
        "print(fg)\n"
        "cs.summary[['exp_coef', 'exp_lower', 'exp_upper']]"
    ),
    new_code_cell(
        "new = d.head(0).reindex([0, 1]).assign(route=['standard', 'coaching'], subsidy_months=18, age=40)\n"
        "pred = fg.predict_cumulative_incidence(new, [6, 12])\n"
        "pred.index = ['standard', 'coaching']\n"
        "assert pred.loc['coaching', 6.0] > pred.loc['standard', 6.0]\n"
        "pred"
    ),
]

coaching = [
    new_markdown_cell(
        "# A job-coaching follow-up of 130 young workers\n\n"
        "Young people placed in a job get a job coach. After a year the municipality asks: what share is "
        "still in paid work six months after the placement, how sure are we with 130 people, and which "
        "coaching characteristics go with keeping the job? The cohort is generated "
        "(`dz.datasets.job_coaching_cohort`, seeded): more coaching hours and longer contracts go with "
        "keeping the job; the coach type does not."
    ),
    new_code_cell(
        "%matplotlib inline\n"
        "import numpy as np\n"
        "import duurzaam as dz\n\n"
        "c = dz.datasets.job_coaching_cohort()\n"
        "c.head()"
    ),
    new_code_cell(
        "km = dz.kaplan_meier(c, 'months', 'lost')\n"
        "six = km.survival_at([6])\n"
        "six"
    ),
    new_markdown_cell(
        "With 130 people an interval matters. Greenwood's interval (log scale, as R) and a bootstrap "
        "interval (BCa, 2,000 resamples) of the share still in work at six months:"
    ),
    new_code_cell(
        "bs = dz.bootstrap(dz.kaplan_meier, c, 'months', 'lost', times=[6], n_resamples=2000, seed=130, progress=False)\n"
        "bca = bs.ci('bca')\n"
        "row = bca[bca['quantity'] == 'survival(t=6)'].iloc[0]\n"
        "assert row['lower'] < six['survival'].iloc[0] < row['upper']\n"
        "assert abs((row['upper'] - row['lower']) - (six['upper'].iloc[0] - six['lower'].iloc[0])) < 0.05\n"
        "bca"
    ),
    new_code_cell("ax = bs.plot('survival(t=6)')"),
    new_markdown_cell("## Which coaching characteristics go with keeping the job?"),
    new_code_cell(
        "fit = dz.cox(c, 'months', 'lost', 'coaching_hours + C(coach) + contract_months + C(sector) + age')\n"
        "s = fit.summary\n"
        "assert s.loc['coaching_hours', 'coef'] < 0  # more hours, fewer jobs lost\n"
        "s[['exp_coef', 'exp_lower', 'exp_upper', 'p_value']].round(3)"
    ),
    new_code_cell(
        "ph = fit.ph_test()\n"
        "ph"
    ),
    new_code_cell("ax = fit.plot()"),
]


youth = [
    new_markdown_cell(
        "# A youth programme against a comparison group from the register (IPTW)\n\n"
        "Not every programme is randomised. Here young people who joined a programme are compared with "
        "young people from the register who did not; the two groups differ in age, sex, months on benefit "
        "and education, and those also affect how fast people find work. Inverse probability of treatment "
        "weighting re-balances the groups before the curves and the hazard ratio are compared. The data are "
        "generated below (seeded) with a known programme effect: a hazard ratio of e^0.3 = 1.35 on finding "
        "work. The estimators used are checked against R (glm, nnet::multinom, survfit and coxph with "
        "weights) in tests/golden/make_golden_iptw.R."
    ),
    new_code_cell(
        "%matplotlib inline\n"
        "import numpy as np\n"
        "import pandas as pd\n"
        "import duurzaam as dz\n\n"
        "rng = np.random.default_rng(2026)\n"
        "n = 900\n"
        "d = pd.DataFrame({'age': rng.integers(18, 28, n), 'female': rng.integers(0, 2, n), 'prior': rng.poisson(8, n),\n"
        "                  'edu': rng.choice(['low', 'middle', 'high'], n, p=[0.5, 0.35, 0.15])})\n"
        "lp = -1 + 0.08 * (d.age - 22) + 0.3 * d.female - 0.05 * d.prior + 0.5 * (d.edu == 'low')\n"
        "d['programme'] = (rng.random(n) < 1 / (1 + np.exp(-lp))).astype(int)\n"
        "rate = 0.06 * np.exp(0.3 * d.programme + 0.04 * (d.age - 22) - 0.2 * d.female + 0.03 * d.prior - 0.4 * (d.edu == 'high'))\n"
        "t = np.ceil(rng.exponential(1 / rate)); c = rng.integers(6, 31, n)\n"
        "d['months'], d['work'] = np.minimum(t, c), (t <= c).astype(int)\n"
        "d.groupby('programme')[['age', 'female', 'prior']].mean()"
    ),
    new_markdown_cell("## The propensity model, the weights and the balance they buy"),
    new_code_cell(
        "iw = dz.iptw(d, 'programme', 'age + female + prior + C(edu)', truncate=(0.01, 0.99))\n"
        "assert (iw.balance['smd_after'].abs() < 0.1).all()\n"
        "iw"
    ),
    new_code_cell("iw.model"),
    new_markdown_cell("## Weighted curves and the weighted Cox model"),
    new_code_cell(
        "w = d.assign(w=iw.weights)\n"
        "km = dz.kaplan_meier(w, 'months', 'work', group='programme', weights='w', robust=True)\n"
        "ax = km.plot(share_event=True, xlabel='months', ylabel='share in work')\n"
        "km.survival_contrast([6, 12])"
    ),
    new_markdown_cell(
        "The numbers under the figure are weighted: the pseudo-population the weights create (each person "
        "counts with their weight), not persons, and the figure says so. For the persons themselves, count the "
        "unweighted data: `dz.kaplan_meier(d, 'months', 'work', group='programme').table`."
    ),
    new_code_cell(
        "fit = dz.iptw_cox(d, 'months', 'work', 'programme', 'age + female + prior + C(edu)', truncate=(0.01, 0.99))\n"
        "print(fit.summary_text())"
    ),
    new_markdown_cell(
        "The robust standard error treats the weights as known. The bootstrap below refits the propensity "
        "model in every resample (in Rust), which also carries the uncertainty of the weights:"
    ),
    new_code_cell(
        "bs = dz.bootstrap(dz.iptw_cox, d, 'months', 'work', 'programme', 'age + female + prior + C(edu)',\n"
        "                  truncate=(0.01, 0.99), n_resamples=500, seed=7, progress=False)\n"
        "ci = bs.ci('percentile')\n"
        "hr = np.exp(ci[['estimate', 'lower', 'upper']].iloc[0])\n"
        "assert hr['lower'] < hr['estimate'] < hr['upper']\n"
        "print(f\"programme hazard ratio {hr['estimate']:.2f} (bootstrap 95% CI {hr['lower']:.2f} to {hr['upper']:.2f}); generated: {np.exp(0.3):.2f}\")"
    ),
    new_markdown_cell("## Adjusted curves: everyone in the programme, everyone not"),
    new_code_cell(
        "adj = dz.adjusted_survival(d, 'months', 'work', 'programme + age + female + prior + C(edu)', 'programme', [6, 12],\n"
        "                           n_resamples=100, seed=3, progress=False)\n"
        "adj.assign(share_in_work=1 - adj['survival'])"
    ),
]

multistate = [
    new_markdown_cell(
        "# Sustained work as a process: a multi-state model of the four-arm experiment\n\n"
        "People move between benefit, work and other states, and back. This notebook carries the generated "
        "four-arm register panel through a multi-state Cox model (benefit -> work, work -> benefit, ... with "
        "their own hazards per arm), predicts the share of a typical participant of each arm in work at 6, "
        "12 and 18 months with intervals, asks how much municipalities differ (a shared frailty), and treats "
        "every return to work as a recurrent event. The model's numbers are checked against R's multi-state "
        "`coxph`/`survfit` in the test suite (`tests/test_multistate.py`); here we check them against the "
        "bootstrap."
    ),
    new_code_cell(
        "import warnings\n\nimport matplotlib.pyplot as plt\nimport numpy as np\nimport pandas as pd\n\nimport duurzaam as dz\n\n"
        "panel = dz.datasets.four_arm_panel(n_persons=1500, seed=11)\n"
        "sp = dz.spells(panel, 'person_id', 'month', 'status', max_gap={'work': 1}, max_unobserved=1)\n"
        "rows = sp.transitions(origin='programme_start', states={'education': 'other'},\n"
        "                      covariates=['arm', 'age', 'female', 'municipality'], horizon=24)\n"
        "rows.groupby(['from_state', 'to_state']).size().unstack(fill_value=0)"
    ),
    new_markdown_cell("## Transition-specific hazards"),
    new_code_cell(
        "fit = dz.multistate_cox(rows, 'entry', 'exit', 'from_state', 'to_state', 'C(arm) + age + female', id='person_id')\n"
        "s = fit.summary\n"
        "s[s['term'].str.startswith('C(arm)')][['transition', 'term', 'exp_coef', 'robust_se', 'p_value']].round(3)"
    ),
    new_markdown_cell(
        "## The share in work of a typical participant of each arm\n\n"
        "A 35-year-old woman starting on benefit. The standard errors are infinitesimal-jackknife ones (R gives "
        "none for these predictions); their 95% intervals covered 94.3% of the time in a seeded simulation."
    ),
    new_code_cell(
        "arms = list(panel['arm'].astype('category').cat.categories)\n"
        "typical = pd.DataFrame({'arm': arms, 'age': 35, 'female': 1})\n"
        "occ = fit.predict_occupancy(typical, [6, 12, 18], initial_state='benefit')\n"
        "occ['arm'] = [arms[r] for r in occ['row']]\n"
        "work = occ[occ['state'] == 'work'][['arm', 'time', 'probability', 'lower', 'upper']]\n"
        "assert np.allclose(occ.groupby(['row', 'time'])['probability'].sum(), 1)\n"
        "work.pivot(index='arm', columns='time', values='probability').round(3)"
    ),
    new_code_cell(
        "grid = np.arange(0, 25)\n"
        "curve = fit.predict_occupancy(typical, grid, initial_state='benefit')\n"
        "fig, ax = plt.subplots(figsize=(7.5, 4.5))\n"
        "for r, arm in enumerate(arms):\n"
        "    c = curve[(curve['row'] == r) & (curve['state'] == 'work')]\n"
        "    ax.plot(c['time'], c['probability'], label=arm, drawstyle='steps-post')\n"
        "    ax.fill_between(c['time'], c['lower'], c['upper'], alpha=0.12, step='post')\n"
        "ax.set_xlabel('months since programme start'); ax.set_ylabel('share in work (typical participant)')\n"
        "ax.set_ylim(0, None); ax.legend(title='arm', fontsize=8); fig.tight_layout()"
    ),
    new_markdown_cell(
        "The same predictions from 200 bootstrap resamples of persons (through `dz.bootstrap` with a Python "
        "function): the bootstrap standard errors agree with the influence-function ones."
    ),
    new_code_cell(
        "def share_in_work(d):\n"
        "    with warnings.catch_warnings():  # rare transitions (work -> other) may have an arm without events\n"
        "        warnings.simplefilter('ignore', dz.ConvergenceWarning)\n"
        "        f = dz.multistate_cox(d, 'entry', 'exit', 'from_state', 'to_state', 'C(arm) + age + female', id='person_id')\n"
        "    o = f.predict_occupancy(typical, [12], initial_state='benefit', std_err=False)\n"
        "    o = o[o['state'] == 'work']\n"
        "    return pd.Series(o['probability'].to_numpy(), index=arms)\n\n"
        "bs = dz.bootstrap(share_in_work, rows, n_resamples=200, scheme='cluster', cluster='person_id', seed=2,\n"
        "                  progress=False)\n"
        "at12 = work[work['time'] == 12].set_index('arm')\n"
        "se_ij = occ[(occ['state'] == 'work') & (occ['time'] == 12)]['std_err'].to_numpy()\n"
        "cmp = pd.DataFrame({'estimate': at12['probability'], 'se (influence)': se_ij,\n"
        "                    'se (bootstrap)': bs.summary['se'].to_numpy()})\n"
        "ratio = cmp['se (bootstrap)'] / cmp['se (influence)']\n"
        "assert (abs(ratio - 1) < 0.2).all(), ratio\n"
        "cmp.round(4)"
    ),
    new_markdown_cell(
        "## How much do municipalities differ?\n\n"
        "Time to sustained work (six months) with a shared gamma frailty per municipality: its variance is "
        "estimated at the maximum of R's marginal likelihood (R's own iteration stops short of it; see "
        "`docs/differences_from_r.md`). With only 12 municipalities, the cluster-robust alternative needs a "
        "small-sample correction: CR1 with t on 11 df, CR2 with Satterthwaite degrees of freedom per "
        "coefficient (through the quasi-Poisson form of Efron's partial likelihood), or the wild cluster "
        "bootstrap."
    ),
    new_code_cell(
        "sus = sp.time_to('work', origin='programme_start', min_duration=6, covariates=['arm', 'age', 'female', 'municipality'])\n"
        "fr = dz.cox(sus, 'duration', 'event', 'C(arm) + age + female', entry='entry', frailty='municipality')\n"
        "print(f'municipality frailty variance {fr.frailty_variance:.3f}; '\n"
        "      f'hazard of sustained work from {np.exp(fr.frailties.min()):.2f} to {np.exp(fr.frailties.max()):.2f} times the average')\n"
        "with warnings.catch_warnings():\n"
        "    warnings.simplefilter('ignore', dz.FewClustersWarning)\n"
        "    rob = dz.cox(sus, 'duration', 'event', 'C(arm) + age + female', entry='entry', cluster='municipality')\n"
        "pd.concat({'frailty': fr.summary[['exp_coef', 'se']], 'CR1, t on G-1 df': rob.small_sample_summary()[['se', 'p_value']],\n"
        "           'CR2, Satterthwaite df': rob.small_sample_summary('CR2')[['se', 'df', 'p_value']]}, axis=1).round(3)"
    ),
    new_markdown_cell("## Every return to work: recurrent events"),
    new_code_cell(
        "rec = sp.recurrent('work', origin='programme_start', covariates=['arm', 'age', 'female'], horizon=24)\n"
        "ag = dz.cox(rec, 'exit', 'event', 'C(arm) + age + female', entry='entry', cluster='person_id')\n"
        "pwp = dz.cox(rec, 'gap_exit', 'event', 'C(arm) + age + female', entry='gap_entry', strata='episode', cluster='person_id')\n"
        "pd.concat({'Andersen-Gill': ag.summary[['exp_coef', 'robust_se']], 'PWP gap time': pwp.summary[['exp_coef', 'robust_se']]}, axis=1).round(3)"
    ),
]


def write(name: str, cells: list) -> None:
    nb = new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    for i, cell in enumerate(nb.cells):  # stable ids: rewriting a notebook changes only what changed
        cell.id = f"{name.split('_')[0]}-{i:03d}"
    nbformat.write(nb, HERE / name)


if __name__ == "__main__":
    write("01_rossi_financial_aid.ipynb", rossi)
    write("02_four_arm_register_evaluation.ipynb", four_arm)
    write("03_competing_exits_after_subsidised_job.ipynb", competing)
    write("04_job_coaching_cohort.ipynb", coaching)
    write("05_youth_programme_iptw.ipynb", youth)
    write("06_multistate_four_arm.ipynb", multistate)
