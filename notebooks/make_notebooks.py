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


def write(name: str, cells: list) -> None:
    nb = new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    nbformat.write(nb, HERE / name)


if __name__ == "__main__":
    write("01_rossi_financial_aid.ipynb", rossi)
