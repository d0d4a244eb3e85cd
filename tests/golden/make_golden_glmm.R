# Golden values for the discrete-time hazard model with a random intercept per municipality (a
# shared frailty on the hazard's link scale): lme4::glmer with adaptive Gauss-Hermite quadrature.
# glmer's optimiser stops at about 1e-5; the reference is its own deviance function (nAGQ = 25,
# devFunOnly = TRUE) minimised tightly with nlminb (restarted until the deviance stops falling), the variance of the fixed effects from the
# finite-difference Hessian of that deviance (lme4:::deriv12, as vcov(..., use.hessian = TRUE)) and
# the conditional modes of the municipality effects at that optimum.
# Run from tests/golden: Rscript make_golden_glmm.R   (R 4.2.2, lme4 from Debian r-cran-lme4)
suppressPackageStartupMessages({library(survival); library(lme4); library(jsonlite)})
d <- read.csv("data/few_clusters.csv")
pp <- survSplit(Surv(months, work) ~ ., data = d, cut = 1:23, episode = "period", start = "start")
tmax <- max(pp$period)
pp$u <- pp$period / tmax

reference <- function(formula, link, nagq = 25) {
  fam <- binomial(link = link)
  g0 <- glmer(formula, data = pp, family = fam, nAGQ = nagq)
  dev <- glmer(formula, data = pp, family = fam, nAGQ = nagq, devFunOnly = TRUE)
  start <- c(getME(g0, "theta"), fixef(g0))
  # nlminb restarted from its own answer until the deviance no longer falls (one run stops early)
  opt <- list(par = start, objective = dev(start))
  repeat {
    new <- nlminb(opt$par, dev, lower = c(0, rep(-Inf, length(fixef(g0)))),
                  control = list(rel.tol = 1e-15, x.tol = 1e-14, eval.max = 5000, iter.max = 2000))
    done <- new$objective > opt$objective - 1e-10
    if (new$objective < opt$objective) opt <- new
    if (done) break
  }
  h <- lme4:::deriv12(dev, opt$par)$Hessian
  V <- 2 * solve(h)
  p <- length(fixef(g0))
  # conditional modes at the optimum: refit with the optimum as start and no iterations left
  dev(opt$par)
  rho <- environment(dev)
  modes <- as.vector(rho$pp$b(1))
  list(terms = names(fixef(g0)), coef = unname(opt$par[-1]), se = unname(sqrt(diag(V)[-1])),
       sigma = opt$par[1], variance = opt$par[1]^2, deviance = opt$objective,
       se_sigma = sqrt(V[1, 1]), modes = modes, glmer_coef = unname(fixef(g0)),
       glmer_variance = getME(g0, "theta")^2)
}
res <- list(
  logit_period = reference(work ~ 0 + factor(period) + arm + age + (1 | municipality), "logit"),
  cloglog_period = reference(work ~ 0 + factor(period) + arm + age + (1 | municipality), "cloglog")
)
writeLines(toJSON(res, digits = I(17), auto_unbox = TRUE), "glmm.json")
cat("written glmm.json\n")
