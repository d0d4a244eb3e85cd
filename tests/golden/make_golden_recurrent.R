# Golden values for recurrent spells (issue: models of sustained employment beyond one event): every
# return to work after the programme start (rows from Spells.recurrent, data/recurrent.csv written
# by make_data_multistate.py), fitted as Andersen-Gill (robust by person), PWP total time and PWP
# gap time (strata by episode), and with a gamma frailty per person.
# Run from tests/golden: Rscript make_golden_recurrent.R   (R 4.2.2, survival 3.5-3)
suppressPackageStartupMessages({library(survival); library(jsonlite)})
rec <- read.csv("data/recurrent.csv", stringsAsFactors = FALSE)
rec$arm <- factor(rec$arm, levels = c("control", "more guidance", "remote guidance (app)", "tailored guidance"))
out <- function(fit) list(coef = unname(coef(fit)), se = unname(sqrt(diag(fit$naive.var))),
                          robust_se = unname(sqrt(diag(fit$var))), loglik = fit$loglik, n_events = fit$nevent)
ag <- coxph(Surv(entry, exit, event) ~ arm + age + female + cluster(person_id), data = rec)
pwp_tt <- coxph(Surv(entry, exit, event) ~ arm + age + female + strata(episode) + cluster(person_id), data = rec)
pwp_gt <- coxph(Surv(gap_entry, gap_exit, event) ~ arm + age + female + strata(episode) + cluster(person_id),
                data = rec)
write_json(list(terms = names(coef(ag)), andersen_gill = out(ag), pwp_total = out(pwp_tt), pwp_gap = out(pwp_gt),
                n_rows = nrow(rec), n_events = sum(rec$event), events_by_episode = as.list(table(rec$episode[rec$event == 1]))),
           "recurrent.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
