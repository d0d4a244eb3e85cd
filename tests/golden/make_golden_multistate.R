# Golden values for dz.multistate_cox (issue: models of sustained employment beyond one event): R's
# multi-state coxph on counting-process rows (one per person per stay: benefit, work, other) with
# transition-specific coefficients, model-based and robust (by person) standard errors, and
# survfit's predicted state occupancy for new persons starting on benefit.
# Data: data/multistate.csv, written by make_data_multistate.py from the package's generated panel.
# Run from tests/golden: Rscript make_golden_multistate.R   (R 4.2.2, survival 3.5-3)
suppressPackageStartupMessages({library(survival); library(jsonlite)})
ms <- read.csv("data/multistate.csv", stringsAsFactors = FALSE)
states <- c("benefit", "work", "other")
ms$to <- factor(ms$to_state, levels = c("censored", states))
ms$from <- factor(ms$from_state, levels = states)
ms$arm <- factor(ms$arm, levels = c("control", "more guidance", "remote guidance (app)", "tailored guidance"))
nd <- data.frame(age = c(30, 50, 41), female = c(1, 0, 1),
                 arm = factor(c("control", "tailored guidance", "more guidance"), levels = levels(ms$arm)))
times <- c(1, 3, 6, 12, 18, 24, 30)

one <- function(ties) {
  # survival 3.5-3 turns an explicit ties= of a multi-state model into "breslow" (coxph: `if
  # (!missing.ties) method <- ties <- "breslow"`): Efron is had only by leaving ties out
  fit <- if (ties == "efron") coxph(Surv(entry, exit, to) ~ age + female + arm, data = ms, id = person_id, istate = from)
         else coxph(Surv(entry, exit, to) ~ age + female + arm, data = ms, id = person_id, istate = from, ties = ties)
  stopifnot(fit$method == ties)
  # coefficient k belongs to transition "from:to" (state numbers) and term rownames(cmap)[row]
  cm <- fit$cmap
  trans <- character(0); term <- character(0); idx <- integer(0)
  for (j in seq_len(ncol(cm))) for (i in seq_len(nrow(cm))) if (cm[i, j] > 0) {
    ft <- as.integer(strsplit(colnames(cm)[j], ":")[[1]])
    trans <- c(trans, paste(fit$states[ft[1]], "->", fit$states[ft[2]])); term <- c(term, rownames(cm)[i])
    idx <- c(idx, cm[i, j])
  }
  sf <- survfit(fit, newdata = nd, p0 = c(1, 0, 0))
  s <- summary(sf, times = times, extend = TRUE)
  occ <- list()
  for (r in seq_len(nrow(nd))) for (k in seq_along(states))
    occ[[length(occ) + 1]] <- list(row = r - 1, state = states[k], time = times, probability = s$pstate[, r, k])
  list(transition = trans, term = term, coef = unname(coef(fit))[idx],
       se = unname(sqrt(diag(fit$naive.var)))[idx], robust_se = unname(sqrt(diag(fit$var)))[idx],
       loglik = fit$loglik, occupancy = occ)
}
write_json(list(efron = one("efron"), breslow = one("breslow"), times = times,
                newdata = list(age = nd$age, female = nd$female, arm = as.character(nd$arm))),
           "multistate.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
