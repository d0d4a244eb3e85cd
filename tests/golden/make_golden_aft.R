# Golden values for dz.aft, written by R's survival::survreg.
#   Rscript tests/golden/make_golden_aft.R     (from the repository root)
suppressPackageStartupMessages({ library(survival); library(jsonlite) })
shared <- file.path("..", "shared", "data")
rossi <- read.csv(file.path(shared, "rossi.csv"))
lung <- read.csv(file.path(shared, "lung.csv"))
# Monthly register data: a job started "somewhere in month k", so in (k - 1, k]; some are still
# without a job at the end (right-censored), some had one before follow-up (left-censored).
set.seed(20261124)
gen <- local({
  n <- 500
  arm <- rbinom(n, 1, 0.5); age <- round(runif(n, 18, 60))
  t <- rweibull(n, shape = 1.4, scale = exp(2.2 + 0.3 * arm - 0.01 * (age - 40)))
  cens <- sample(6:24, n, replace = TRUE)
  lower <- ifelse(t > cens, cens, floor(t)); upper <- ifelse(t > cens, NA, floor(t) + 1)
  lower[lower == 0] <- NA  # left-censored: a job before the first month ended
  data.frame(lower = lower, upper = upper, arm = arm, age = age, w = round(runif(n, 0.5, 2), 2))
})
write.csv(gen, file.path("tests", "golden", "data", "gen_interval.csv"), row.names = FALSE)
gen <- read.csv(file.path("tests", "golden", "data", "gen_interval.csv"))
case <- function(name, dataset, data, formula, dist, covariates, duration = NULL, event = NULL,
                 lower = NULL, upper = NULL, weights = NULL, strata = NULL) {
  args <- list(formula = formula, data = data, dist = dist)
  if (!is.null(weights)) args$weights <- data[[weights]]
  f <- do.call(survreg, args)
  list(name = name, dataset = dataset, dist = dist, covariates = covariates, duration = duration,
       event = event, lower = lower, upper = upper, weights = weights, strata = strata,
       coef = unname(coef(f)), scale = unname(f$scale), var = unname(f$var), loglik = f$loglik)
}
cases <- list(
  case("rossi_weibull", "rossi", rossi, Surv(week, arrest) ~ fin + age + prio, "weibull", c("fin", "age", "prio"), "week", "arrest"),
  case("rossi_exponential", "rossi", rossi, Surv(week, arrest) ~ fin + age + prio, "exponential", c("fin", "age", "prio"), "week", "arrest"),
  case("rossi_lognormal", "rossi", rossi, Surv(week, arrest) ~ fin + age + prio + wexp, "lognormal", c("fin", "age", "prio", "wexp"), "week", "arrest"),
  case("rossi_loglogistic", "rossi", rossi, Surv(week, arrest) ~ fin + age + prio, "loglogistic", c("fin", "age", "prio"), "week", "arrest"),
  case("lung_weibull", "lung", lung, Surv(time, status) ~ age + sex + ph.ecog, "weibull", c("age", "sex", "ph.ecog"), "time", "status"),
  case("interval_weibull", "gen_interval", gen, Surv(lower, upper, type = "interval2") ~ arm + age, "weibull", c("arm", "age"),
       lower = "lower", upper = "upper"),
  case("interval_lognormal_weighted", "gen_interval", gen, Surv(lower, upper, type = "interval2") ~ arm + age, "lognormal",
       c("arm", "age"), lower = "lower", upper = "upper", weights = "w"),
  case("interval_loglogistic", "gen_interval", gen, Surv(lower, upper, type = "interval2") ~ arm + age, "loglogistic",
       c("arm", "age"), lower = "lower", upper = "upper"),
  # on the time scale itself: the Tobit (gaussian) and logistic models
  case("rossi_gaussian", "rossi", rossi, Surv(week, arrest) ~ fin + age + prio, "gaussian", c("fin", "age", "prio"), "week", "arrest"),
  case("rossi_logistic", "rossi", rossi, Surv(week, arrest) ~ fin + age + prio, "logistic", c("fin", "age", "prio"), "week", "arrest"),
  # a scale per stratum (survreg's strata())
  case("rossi_weibull_strata", "rossi", rossi, Surv(week, arrest) ~ fin + age + prio + strata(wexp), "weibull",
       c("fin", "age", "prio"), "week", "arrest", strata = "wexp"),
  case("interval_lognormal_strata", "gen_interval", gen, Surv(lower, upper, type = "interval2") ~ age + strata(arm),
       "lognormal", c("age"), lower = "lower", upper = "upper", strata = "arm"),
  case("interval_gaussian_weighted", "gen_interval", gen, Surv(lower, upper, type = "interval2") ~ arm + age, "gaussian",
       c("arm", "age"), lower = "lower", upper = "upper", weights = "w")
)
# Cluster-robust (sandwich) variances. R's survreg(cluster = ) is the reference on unweighted
# right-censored data; with case weights R leaves the weights out of the score residuals (its
# residuals(weighted = TRUE) runs before the fit stores the weights), and for interval-censored rows
# its log-scale score residual has the wrong sign (a numerical derivative of the log-likelihood
# agrees with ours): for those two the sandwich is computed here by hand from R's own score
# residuals (residuals(type = "matrix")), weighted, with the sign corrected.
sandwich <- function(f, X, cluster, w = 1, interval = NULL) {
  m <- residuals(f, type = "matrix")
  S <- cbind(m[, "dg"] * X, m[, "ds"])
  if (!is.null(interval)) S[interval, ncol(S)] <- -S[interval, ncol(S)]
  V <- f$var
  if (!is.null(f$naive.var)) V <- f$naive.var
  unname(V %*% crossprod(rowsum(S * w, cluster)) %*% V)
}
rossi$town <- seq_len(nrow(rossi)) %% 14
rossi$w <- 0.5 + (seq_len(nrow(rossi)) %% 7) / 4
gen$grp <- seq_len(nrow(gen)) %% 30
r1 <- survreg(Surv(week, arrest) ~ fin + age + prio, data = rossi, cluster = town)
r2 <- survreg(Surv(week, arrest) ~ fin + age, data = rossi, weights = w)
r3 <- survreg(Surv(lower, upper, type = "interval2") ~ arm + age, data = gen, dist = "lognormal")
robust <- list(
  list(name = "rossi_weibull_cluster", dataset = "rossi", dist = "weibull", covariates = c("fin", "age", "prio"),
       cluster = "town", weights = NULL, var = unname(r1$var), naive_var = unname(r1$naive.var),
       hand = unname(sandwich(r1, model.matrix(~ fin + age + prio, rossi), rossi$town))),
  list(name = "rossi_weibull_cluster_weighted", dataset = "rossi", dist = "weibull", covariates = c("fin", "age"),
       cluster = "town", weights = "w", var = sandwich(r2, model.matrix(~ fin + age, rossi), rossi$town, rossi$w),
       naive_var = unname(r2$var)),
  list(name = "interval_lognormal_cluster", dataset = "gen_interval", dist = "lognormal", covariates = c("arm", "age"),
       cluster = "grp", weights = NULL,
       var = sandwich(r3, model.matrix(~ arm + age, gen), gen$grp, interval = which(r3$y[, 3] == 3)),
       naive_var = unname(r3$var))
)
writeLines(toJSON(list(meta = list(R = R.version.string, survival = as.character(packageVersion("survival"))), cases = cases, robust = robust),
                  digits = I(17), na = "string", auto_unbox = TRUE), file.path("tests", "golden", "aft.json"))
cat("aft golden values written\n")
