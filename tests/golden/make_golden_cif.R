# Golden values for dz.cumulative_incidence: survfit on a multi-state (competing risks) outcome.
#   Rscript tests/golden/make_golden_cif.R     (from the repository root)
suppressPackageStartupMessages({ library(survival); library(jsonlite) })
dd <- file.path("tests", "golden", "data")
# mgus2 from survival: progression to a plasma cell malignancy (1) competing with death (2).
m <- with(mgus2, data.frame(etime = ifelse(pstat == 0, futime, ptime),
                            event = ifelse(pstat == 0, 2 * death, 1), sex = as.character(sex)))
m <- m[complete.cases(m), ]
write.csv(m, file.path(dd, "mgus2.csv"), row.names = FALSE)
# A generated employment cohort: leaving benefit for work (1) or for another reason (2), by arm,
# with case weights and delayed entry for some.
set.seed(20261126)
gen <- local({
  n <- 500
  arm <- sample(c("A", "B", "C"), n, replace = TRUE)
  t_work <- ceiling(rexp(n, c(A = 0.05, B = 0.08, C = 0.06)[arm]))
  t_other <- ceiling(rexp(n, 0.03))
  cens <- sample(6:30, n, replace = TRUE)
  time <- pmin(t_work, t_other, cens)
  status <- ifelse(time == cens & cens < pmin(t_work, t_other), 0, ifelse(t_work <= t_other, 1, 2))
  entry <- ifelse(runif(n) < 0.3, pmin(time - 1, sample(0:4, n, replace = TRUE)), 0)
  data.frame(months = time, status = status, arm = arm, entry = entry, w = round(runif(n, 0.5, 2), 2))
})
write.csv(gen, file.path(dd, "gen_compete.csv"), row.names = FALSE)
m <- read.csv(file.path(dd, "mgus2.csv")); gen <- read.csv(file.path(dd, "gen_compete.csv"))
gen$id <- seq_len(nrow(gen))
case <- function(name, dataset, fit, duration, event, group = NULL, entry = NULL, weights = NULL) {
  s <- summary(fit, censored = TRUE)
  strata <- if (is.null(fit$strata)) rep("", length(fit$time)) else rep(sub("^[^=]*=", "", names(fit$strata)), fit$strata)
  k <- ncol(fit$pstate) - 1
  list(name = name, dataset = dataset, duration = duration, event = event, group = group, entry = entry,
       weights = weights, k = k, group_of_row = strata, time = fit$time, n_risk = fit$n.risk[, 1],
       cif = unname(fit$pstate[, -1, drop = FALSE]), std_err = unname(fit$std.err[, -1, drop = FALSE]),
       lower = unname(fit$lower[, -1, drop = FALSE]), upper = unname(fit$upper[, -1, drop = FALSE]))
}
cases <- list(
  case("mgus2", "mgus2", survfit(Surv(etime, factor(event)) ~ 1, data = m), "etime", "event"),
  case("mgus2_sex", "mgus2", survfit(Surv(etime, factor(event)) ~ sex, data = m), "etime", "event", group = "sex"),
  case("gen_arm_weighted", "gen_compete", survfit(Surv(months, factor(status)) ~ arm, data = gen, weights = w),
       "months", "status", group = "arm", weights = "w"),
  case("gen_arm_entry", "gen_compete", survfit(Surv(entry, months, factor(status)) ~ arm, data = gen, id = id),
       "months", "status", group = "arm", entry = "entry")
)
# cause-specific Cox models: work (1) and other exits (2), the other cause censored
cs <- lapply(1:2, function(k) {
  f <- coxph(Surv(months, status == k) ~ arm + w, data = gen)
  list(cause = k, coef = unname(coef(f)), var = unname(f$var), loglik = f$loglik)
})
writeLines(toJSON(list(cause_specific = cs), digits = I(17), na = "string", auto_unbox = TRUE, matrix = "rowmajor"),
           file.path("tests", "golden", "cause_specific.json"))
writeLines(toJSON(list(meta = list(R = R.version.string, survival = as.character(packageVersion("survival"))), cases = cases),
                  digits = I(17), na = "string", auto_unbox = TRUE, matrix = "rowmajor"), file.path("tests", "golden", "cif.json"))
cat("cif golden values written\n")
