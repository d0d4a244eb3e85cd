# Golden values for dz.discrete_hazard: a binomial glm on the person-period data expanded in R.
#   Rscript tests/golden/make_golden_discrete.R     (from the repository root)
suppressPackageStartupMessages(library(jsonlite))
set.seed(20261125)
n <- 700
persons <- local({
  arm <- rbinom(n, 1, 0.5); age <- round(runif(n, 18, 60)); muni <- sample(1:20, n, replace = TRUE)
  h <- plogis(-2.2 + 0.35 * arm - 0.015 * (age - 40) + rnorm(20, 0, 0.2)[muni])
  t_job <- rgeom(n, h) + 1
  cens <- sample(6:18, n, replace = TRUE)
  entry <- ifelse(runif(n) < 0.25, sample(1:3, n, replace = TRUE), 0)
  dur <- pmin(t_job, cens); dur <- pmax(dur, entry + 1)
  data.frame(months = dur, job = as.integer(t_job <= cens & dur == t_job), entry = entry, arm = arm,
             age = age, muni = muni, w = round(runif(n, 0.5, 2), 2))
})
write.csv(persons, file.path("tests", "golden", "data", "gen_discrete.csv"), row.names = FALSE)
persons <- read.csv(file.path("tests", "golden", "data", "gen_discrete.csv"))
pp <- do.call(rbind, lapply(seq_len(n), function(i) {
  d <- persons[i, ]; t <- (d$entry + 1):d$months
  data.frame(id = i, t = t, y = as.integer(t == d$months & d$job == 1), arm = d$arm, age = d$age,
             muni = d$muni, w = d$w)
}))
tmax <- max(persons$months)
pp$ts <- pp$t / tmax
sandwich <- function(fit, cluster) {
  X <- model.matrix(fit)
  mu <- fitted(fit); eta <- fit$linear.predictors
  dmu <- fit$family$mu.eta(eta)
  U <- X * (fit$y - mu) * dmu / fit$family$variance(mu) * fit$prior.weights
  meat <- crossprod(rowsum(U, cluster))
  B <- vcov(fit)
  B %*% meat %*% B
}
case <- function(name, formula, link, degree = NULL, weights = FALSE, cluster = FALSE) {
  # Refit from the solution so that vcov's working weights are those at the converged estimate
  # (glm's last weights lag one iteration, which shows in weakly determined period parameters).
  ctl <- glm.control(epsilon = 1e-14, maxit = 100)
  fit0 <- if (weights) suppressWarnings(glm(formula, family = binomial(link = link), data = pp, weights = w, control = ctl))
          else glm(formula, family = binomial(link = link), data = pp, control = ctl)
  fit <- if (weights) suppressWarnings(glm(formula, family = binomial(link = link), data = pp, weights = w, start = coef(fit0), control = ctl))
         else glm(formula, family = binomial(link = link), data = pp, start = coef(fit0), control = ctl)
  out <- list(name = name, link = link, degree = degree, weights = weights, cluster = cluster,
              coef = unname(coef(fit)), var = unname(vcov(fit)),
              loglik = as.numeric(logLik(fit)), person_periods = nrow(pp))
  if (weights) out$loglik <- sum(pp$w * dbinom(fit$y, 1, fitted(fit), log = TRUE))
  if (cluster) out$robust_var <- unname(sandwich(fit, pp$muni))
  out
}
cases <- list(
  case("period_logit", y ~ 0 + factor(t) + arm + age, "logit"),
  case("period_cloglog_weighted", y ~ 0 + factor(t) + arm + age, "cloglog", weights = TRUE),
  case("poly3_logit_cluster", y ~ ts + I(ts^2) + I(ts^3) + arm + age, "logit", degree = 3, cluster = TRUE),
  case("poly2_cloglog_cluster", y ~ ts + I(ts^2) + arm + age, "cloglog", degree = 2, cluster = TRUE)
)
writeLines(toJSON(list(meta = list(R = R.version.string), cases = cases), digits = I(17), na = "string",
                  auto_unbox = TRUE), file.path("tests", "golden", "discrete.json"))
cat("discrete golden values written\n")
