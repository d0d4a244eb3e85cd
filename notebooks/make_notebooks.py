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
        "difference right at the conventional 5% boundary (p = 0.050). The Cox model of the next "
        "release adjusts this comparison for age and prior convictions."
    ),
]


def write(name: str, cells: list) -> None:
    nb = new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    nbformat.write(nb, HERE / name)


if __name__ == "__main__":
    write("01_rossi_financial_aid.ipynb", rossi)
