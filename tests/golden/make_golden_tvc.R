# Golden values for the counting-process split of time-varying covariates (Spells.counting_process).
# R survival's tmerge(..., tdc()) splits the follow-up of the R-computed outcome "work_any" of
# spells.json (make_golden_spells.R) on the panel data/gen_panel.csv, with two covariates made
# here from the person and month (the Python test makes them with the same arithmetic):
#   coach_so_far: coaching hours so far (cumulative), not measured when (person + month) %% 7 == 0
#   caseworker:   (person + month %/% 6) %% 3, not recorded when (person + month) %% 11 == 0
# A value of month m is in force on (m - origin, ...]: lag 1, the month before the interval ends.
# Months without a value keep the last one (tdc). R splits at every tdc time; the rows are then
# merged where nothing changes, which is how duurzaam writes them.
# Run from tests/golden: Rscript make_golden_tvc.R   (R 4.2.2, survival 3.5-3)
suppressPackageStartupMessages({library(survival); library(jsonlite)})
d <- read.csv("data/gen_panel.csv", stringsAsFactors = FALSE, na.strings = "")
d <- d[order(d$person_id, d$month), ]
d$coach <- (d$person_id * 7 + d$month * 3) %% 5
d$coach_so_far <- ave(d$coach, d$person_id, FUN = cumsum)
d$coach_so_far[(d$person_id + d$month) %% 7 == 0] <- NA
d$caseworker <- (d$person_id + d$month %/% 6) %% 3
d$caseworker[(d$person_id + d$month) %% 11 == 0] <- NA

G <- fromJSON("spells.json")
out <- as.data.frame(G$outcomes$work_any)
out <- out[out$reason == "kept", c("person_id", "duration", "event", "entry")]
base <- data.frame(id = out$person_id, entry = out$entry, duration = out$duration, event = out$event)
td <- tmerge(base[, "id", drop = FALSE], base, id = id, tstart = entry, tstop = duration)
td <- tmerge(td, base, id = id, ev = event(duration, event))
tv <- d[d$person_id %in% base$id, ]
tv$time <- tv$month - tv$origin
a <- tv[!is.na(tv$coach_so_far), ]
td <- tmerge(td, a, id = person_id, coach_so_far = tdc(time, coach_so_far))
b <- tv[!is.na(tv$caseworker), ]
td <- tmerge(td, b, id = person_id, caseworker = tdc(time, caseworker))
td <- td[order(td$id, td$tstart), ]

fit <- coxph(Surv(tstart, tstop, ev) ~ coach_so_far + factor(caseworker), data = td, cluster = id, ties = "efron")

# Merge consecutive rows of a person where neither covariate changes.
same <- c(FALSE, td$id[-1] == td$id[-nrow(td)] &
            mapply(identical, td$coach_so_far[-1], td$coach_so_far[-nrow(td)]) &
            mapply(identical, td$caseworker[-1], td$caseworker[-nrow(td)]))
grp <- cumsum(!same)
merged <- data.frame(
  id = tapply(td$id, grp, `[`, 1),
  start = tapply(td$tstart, grp, min),
  stop = tapply(td$tstop, grp, max),
  event = tapply(td$ev, grp, max),
  coach_so_far = tapply(td$coach_so_far, grp, `[`, 1),
  caseworker = tapply(td$caseworker, grp, `[`, 1))

res <- list(
  rows = merged,
  n_rows_r = nrow(td),
  coef = unname(coef(fit)), robust_var = unname(as.vector(fit$var)),
  loglik = unname(fit$loglik))
writeLines(toJSON(res, digits = NA, na = "null", auto_unbox = TRUE), "tvc.json")
cat("rows", nrow(merged), "of", nrow(td), "; coef", coef(fit), "\n")
