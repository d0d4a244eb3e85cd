# Golden values for IPTW (duurzaam.iptw, duurzaam.iptw_cox) and the adjusted survival curves of a
# Cox model (CoxFit.adjusted_survival): a generated non-randomised youth programme, participants
# against a comparison group from the register, time to work in months.
# Run from tests/golden: Rscript make_golden_iptw.R   (R 4.2.2, survival 3.5-3)
suppressPackageStartupMessages({library(survival); library(jsonlite); library(nnet)})
set.seed(20261123)
n <- 900
age <- sample(18:27, n, replace = TRUE)
female <- rbinom(n, 1, 0.5)
prior <- rpois(n, 8)
edu <- sample(c("low", "middle", "high"), n, replace = TRUE, prob = c(0.5, 0.35, 0.15))
lp_ps <- -1 + 0.08 * (age - 22) + 0.3 * female - 0.05 * prior + 0.5 * (edu == "low")
programme <- rbinom(n, 1, plogis(lp_ps))
lp <- -0.3 * programme - 0.04 * (age - 22) + 0.2 * female - 0.03 * prior + 0.4 * (edu == "high")
t_work <- ceiling(rexp(n, 0.06 * exp(-lp)))
cens <- sample(6:30, n, replace = TRUE)
d <- data.frame(months = pmin(t_work, cens), work = as.integer(t_work <= cens), programme, age, female, prior, edu)
write.csv(d, "data/gen_iptw.csv", row.names = FALSE)

d$edu <- factor(d$edu, levels = c("high", "low", "middle"))   # formulaic's sorted levels
g <- glm(programme ~ age + female + prior + edu, family = binomial, data = d, control = glm.control(epsilon = 1e-14, maxit = 50))
ps <- unname(fitted(g))
a <- d$programme
w_ate <- a / ps + (1 - a) / (1 - ps)
pa <- mean(a)
w_sate <- a * pa / ps + (1 - a) * (1 - pa) / (1 - ps)
w_att <- a + (1 - a) * ps / (1 - ps)
q <- quantile(w_sate, c(0.05, 0.95), type = 7)
w_trunc <- pmin(pmax(w_sate, q[1]), q[2])
X <- model.matrix(~ age + female + prior + edu, d)[, -1]
sd_pool <- sqrt((apply(X[a == 1, ], 2, var) + apply(X[a == 0, ], 2, var)) / 2)
smd <- function(w) {
  m1 <- colSums(w[a == 1] * X[a == 1, ]) / sum(w[a == 1])
  m0 <- colSums(w[a == 0] * X[a == 0, ]) / sum(w[a == 0])
  unname((m1 - m0) / sd_pool)
}
ess <- function(w) c(sum(w[a == 0])^2 / sum(w[a == 0]^2), sum(w[a == 1])^2 / sum(w[a == 1]^2))

d$w <- w_sate
km <- survfit(Surv(months, work) ~ programme, data = d, weights = w, robust = TRUE)
skm <- summary(km, times = c(6, 12))
cx <- coxph(Surv(months, work) ~ programme, data = d, weights = w, robust = TRUE)

# Adjusted (direct-standardised) curves from an outcome Cox model: the average over all persons
# of the predicted survival with programme set to 0, and to 1.
fit <- coxph(Surv(months, work) ~ programme + age + female + prior + edu, data = d)
times <- c(3, 6, 12, 18)
adj <- sapply(0:1, function(v) {
  nd <- d; nd$programme <- v
  sf <- survfit(fit, newdata = nd)
  colMeans(t(summary(sf, times = times)$surv))
})

# Several arms (education level as the "arm"): multinomial propensity model, ATE weights
mn <- multinom(edu ~ age + female + prior, data = d, reltol = 1e-16, maxit = 5000, trace = FALSE)
pr <- fitted(mn)
own <- pr[cbind(seq_len(n), as.integer(d$edu))]
share <- as.numeric(table(d$edu)) / n
w_multi <- share[as.integer(d$edu)] / own
d$wm <- w_multi
cxm <- coxph(Surv(months, work) ~ edu, data = d, weights = wm, robust = TRUE)

out <- list(
  multi_coef = unname(coef(mn)), multi_prob = unname(pr), multi_w = w_multi,
  multi_cox_coef = unname(coef(cxm)), multi_cox_robust_se = unname(sqrt(diag(cxm$var))),
  meta = list(r = R.version.string, survival = as.character(packageVersion("survival"))),
  terms = colnames(X), glm_coef = unname(coef(g)), glm_se = unname(sqrt(diag(vcov(g)))), ps = ps,
  w_ate = w_ate, w_sate = w_sate, w_att = w_att, w_trunc = w_trunc,
  smd_before = smd(rep(1, n)), smd_after = smd(w_sate), ess = ess(w_sate),
  km_surv = skm$surv, km_se = skm$std.err, km_strata = as.character(skm$strata), km_time = skm$time,
  cox_coef = unname(coef(cx)), cox_robust_se = unname(sqrt(diag(cx$var))),
  adj_times = times, adjusted = unname(adj)
)
write_json(out, "iptw.json", digits = NA, auto_unbox = TRUE, matrix = "rowmajor")
cat("wrote iptw.json\n")
