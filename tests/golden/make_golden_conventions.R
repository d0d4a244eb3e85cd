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
# the Fleming-Harrington (Nelson-Aalen) survival estimate, R's stype = 2, ctype = 1, with its
# Tsiatis variance; the Dory-Korn modified and Peto lower limits (conf.lower), on each CI scale
fh <- function(fit) {
  s <- summary(fit, censored = TRUE)
  list(group = sub("^[^=]*=", "", as.character(s$strata)), time = s$time, survival = s$surv,
       std_err = s$std.err, lower = s$lower, upper = s$upper)
}
res$fleming_harrington <- fh(survfit(Surv(months, employed) ~ arm, data = ties, stype = 2, ctype = 1))
res$fleming_harrington_loglog <- fh(survfit(Surv(months, employed) ~ arm, data = ties, stype = 2, ctype = 1,
                                            conf.type = "log-log"))
for (ct in c("log", "log-log", "plain")) for (cl in c("modified", "peto")) {
  res[[paste0("km_lower_", cl, "_", ct)]] <- fh(survfit(Surv(months, employed) ~ arm, data = ties, conf.type = ct,
                                                      conf.lower = cl))
}

# timefix: times from date arithmetic that differ in the last bits (sqrt(2)^2 is not 2) are one
# time for survfit, survdiff and coxph (aeqSurv, timefix = TRUE by default)
tf <- data.frame(time = c(1, 2, sqrt(2)^2, 3, 4, 5, 6, 6 * (1 + 1e-12), 7, 8),
                 status = c(1, 1, 1, 0, 1, 1, 1, 1, 0, 1), arm = rep(c("a", "b"), 5), x = c(0.5, -1, 0.2, 1.1, 0, -0.3, 0.8, 0.1, -0.6, 0.4))
tf_km <- survfit(Surv(time, status) ~ 1, data = tf)
tf_entry <- data.frame(entry = c(0, 0, 1, 0, 2, 0, 0, 3, 0, 0), tf)
tf_cox <- coxph(Surv(time, status) ~ x, data = tf)
tf_cox_entry <- coxph(Surv(entry, time, status) ~ x, data = tf_entry)
res$timefix <- list(time = tf$time, status = tf$status, arm = tf$arm, x = tf$x, entry = tf_entry$entry,
                    km_time = tf_km$time, km_surv = tf_km$surv, km_std_err = tf_km$std.err,
                    logrank = survdiff(Surv(time, status) ~ arm, data = tf)$chisq,
                    cox_coef = unname(coef(tf_cox)), cox_var = unname(tf_cox$var[1, 1]),
                    cox_coef_nofix = unname(coef(coxph(Surv(time, status) ~ x, data = tf, timefix = FALSE))),
                    cox_entry_coef = unname(coef(tf_cox_entry)))
writeLines(toJSON(res, digits = NA, na = "null", auto_unbox = TRUE, matrix = "rowmajor"), "conventions.json")
cat("written conventions.json\n")
