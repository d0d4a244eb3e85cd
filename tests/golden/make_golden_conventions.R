# Golden values for R's conventions where users meet them (issue: R survival's test suite and
# conventions): survfit's default variance with case weights (the infinitesimal jackknife when the
# weights are not whole numbers, Greenwood when they are) for S(t) and the cumulative hazard, and
# cmprsk's cumulative incidence at times after a group's last follow-up (NA).
# Run from tests/golden: Rscript make_golden_conventions.R   (R 4.2.2, survival 3.5-3, cmprsk 2.2-11)
suppressPackageStartupMessages({library(survival); library(cmprsk); library(jsonlite)})
ties <- read.csv("data/gen_ties.csv", stringsAsFactors = FALSE)
gen_entry <- read.csv("data/gen_entry.csv", stringsAsFactors = FALSE)
compete <- read.csv("data/gen_compete.csv", stringsAsFactors = FALSE)

km_default <- function(fit) {
  # robust left to R's default
  s <- summary(fit, censored = TRUE)
  list(group = sub("^[^=]*=", "", as.character(s$strata)), time = s$time, survival = s$surv,
       std_err = s$std.err, lower = s$lower, upper = s$upper,
       cumhaz = s$cumhaz, std_chaz = s$std.chaz)
}
ties$w_int <- round(3 * ties$w) + 1
res <- list(
  # non-integer weights: R turns the infinitesimal jackknife on by itself
  km_weighted_default = km_default(survfit(Surv(months, employed) ~ arm, data = ties, weights = w)),
  # whole-number weights are frequency weights: Greenwood
  km_intweights_default = km_default(survfit(Surv(months, employed) ~ arm, data = ties, weights = w_int)),
  # delayed entry with non-integer weights (each row its own id)
  km_entry_weighted_default = km_default(survfit(Surv(entry, months, employed) ~ arm, data = gen_entry, weights = w,
                                                 id = seq_len(nrow(gen_entry))))
)
times <- c(2, 6, 12, 24, 36, 48, 60, 1000)
ci <- cuminc(compete$months, compete$status, compete$arm)
tp <- timepoints(ci, times)
res$cif_at <- list(times = times, rows = rownames(tp$est), est = unname(tp$est), var = unname(tp$var),
                   last = tapply(compete$months, compete$arm, max))
writeLines(toJSON(res, digits = NA, na = "null", auto_unbox = TRUE, matrix = "rowmajor"), "conventions.json")
cat("written conventions.json\n")
