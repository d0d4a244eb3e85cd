"""Writes tests/golden/data/multistate.csv: multi-state rows (one per person per stay) from the
package's generated four-arm panel, for make_golden_multistate.R. Run from the repository root:
python tests/golden/make_data_multistate.py"""

import duurzaam as dz

panel = dz.datasets.four_arm_panel(n_persons=1000, seed=7)
sp = dz.spells(panel, "person_id", "month", "status")
rows = sp.transitions(origin="programme_start", states={"education": "other"}, covariates=["arm", "age", "female"])
# persons whose follow-up has a gap (months missing from the register) are left out: R's survfit
# refuses data that survcheck flags, and the Aalen-Johansen estimate needs each person's path whole
g = rows.groupby("person_id")
gap = (rows["entry"] != g["exit"].shift()) & g["exit"].shift().notna()
rows = rows[~rows["person_id"].isin(rows.loc[gap, "person_id"])]
rows.to_csv("tests/golden/data/multistate.csv", index=False)

# every return to work after the programme start, for the recurrent-event models
rec = sp.recurrent("work", origin="programme_start", covariates=["arm", "age", "female"])
rec.to_csv("tests/golden/data/recurrent.csv", index=False)
