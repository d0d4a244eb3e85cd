# Golden values for the Cox model with a shared frailty (issue: models of sustained employment,
# part 2), on 14 municipalities (data/few_clusters.csv from make_data_few_clusters.py).
# - gamma: R's outer iteration stops short of the maximum of its own marginal log-likelihood
#   c.loglik, so theta is found by profiling c.loglik over fixed-theta fits (optimize, tol 1e-10)
#   and the model refitted at that theta; also R's default answer, to document the difference.
# - gaussian: R's REML iteration with tight control (eps = 1e-12).
# Inner fits with coxph.control(eps = 1e-12, iter.max = 100) (gamma).
# Run from tests/golden: Rscript make_golden_frailty.R   (R 4.2.2, survival 3.5-3)
suppressPackageStartupMessages({library(survival); library(jsonlite)})
d <- read.csv("data/few_clusters.csv")
ctl <- coxph.control(eps = 1e-12, toler.chol = 1e-14, iter.max = 100, outer.max = 100)
gam <- function(th) coxph(Surv(months, work) ~ arm + age + frailty(municipality, distribution = "gamma", theta = th),
                          data = d, control = ctl)
opt <- optimize(function(th) gam(th)$history[[1]]$c.loglik, c(1e-4, 5), maximum = TRUE, tol = 1e-10)
fit <- gam(opt$maximum)
out <- function(f, theta) list(theta = theta, coef = unname(coef(f)), se = unname(sqrt(diag(f$var))),
                               se2 = unname(sqrt(diag(f$var2))), frailties = unname(f$frail), loglik = f$loglik)
default <- coxph(Surv(months, work) ~ arm + age + frailty(municipality, distribution = "gamma"), data = d)
tight <- coxph(Surv(months, work) ~ arm + age + frailty(municipality, distribution = "gamma", eps = 1e-10), data = d,
               control = ctl)
# (with the tight inner control R's REML search breaks down (NaN in its Brent step): default inner)
g <- coxph(Surv(months, work) ~ arm + age + frailty(municipality, distribution = "gaussian", eps = 1e-12),
           data = d, control = coxph.control(outer.max = 100))
fixed <- gam(0.5)
write_json(list(gamma = c(out(fit, opt$maximum), list(c_loglik = opt$objective)),
                gamma_fixed = c(out(fixed, 0.5), list(c_loglik = fixed$history[[1]]$c.loglik)),
                gamma_r_default_theta = default$history[[1]]$theta, gamma_r_tight_theta = tight$history[[1]]$theta,
                gaussian = out(g, g$history[[1]]$theta)),
           "frailty.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
