# Golden values for inference with few clusters (issue: models of sustained employment, part 4):
# 14 municipalities (data/few_clusters.csv from make_data_few_clusters.py).
# - Cox: CR1 (the cluster sandwich times G / (G - 1)) with t on G - 1 df, by hand from coxph's
#   robust variance; the wild cluster score bootstrap (Kline and Santos 2012) by hand: restricted
#   fit, score residuals and information at the restricted estimate (iter.max = 0), the efficient
#   score per municipality, all 2^14 Rademacher sign vectors.
# - Discrete-time hazard (logistic, a dummy per month): glm on person-months, clubSandwich's CR1
#   and its "naive-t" test (G - 1 df); CR2 with Satterthwaite df (logit and cloglog).
# Run from tests/golden: Rscript make_golden_few_clusters.R  (R 4.2.2, survival 3.5-3, clubSandwich 0.5.8)
suppressPackageStartupMessages({library(survival); library(clubSandwich); library(jsonlite)})
d <- read.csv("data/few_clusters.csv")
G <- length(unique(d$municipality))

fit <- coxph(Surv(months, work) ~ arm + age, data = d, cluster = municipality)
se1 <- sqrt(diag(fit$var) * G / (G - 1))
tt <- coef(fit) / se1
cox_cr1 <- list(coef = unname(coef(fit)), se = unname(se1), t = unname(tt),
                p_value = unname(2 * pt(-abs(tt), G - 1)),
                lower = unname(coef(fit) - qt(0.975, G - 1) * se1), upper = unname(coef(fit) + qt(0.975, G - 1) * se1))

signs <- as.matrix(expand.grid(rep(list(c(-1, 1)), G)))
wild <- list()
for (j in 1:2) {
  other <- c("arm", "age")[-j]
  r <- coxph(as.formula(paste("Surv(months, work) ~", other)), data = d)
  beta <- c(0, 0); beta[-j] <- coef(r)
  at <- suppressWarnings(coxph(Surv(months, work) ~ arm + age, data = d, init = beta, control = coxph.control(iter.max = 0)))
  V <- at$var
  U <- residuals(at, type = "score")
  s <- as.vector(U %*% V[, j]) / V[j, j]
  sg <- as.vector(rowsum(s, d$municipality))
  stat <- sum(sg) / sqrt(sum(sg^2))
  draws <- as.vector(signs %*% sg) / sqrt(sum(sg^2))
  wild[[j]] <- list(term = c("arm", "age")[j], statistic = stat, p_value = mean(abs(draws) >= abs(stat) * (1 - 1e-12)),
                    n_draws = nrow(signs))
}

pp <- survSplit(Surv(months, work) ~ ., data = d, cut = 1:23, episode = "period", start = "start")
g <- glm(work ~ 0 + factor(period) + arm + age, family = binomial, data = pp,
         control = glm.control(epsilon = 1e-14, maxit = 100))  # converged tightly, as ours
V1 <- vcovCR(g, cluster = pp$municipality, type = "CR1")
ct <- coef_test(g, vcov = V1, test = "naive-t", coefs = c("arm", "age"))
discrete_cr1 <- list(terms = c("arm", "age"), coef = unname(coef(g)[c("arm", "age")]), se = ct$SE, t = ct$tstat,
                     df = ct$df_t, p_value = ct$p_t, n_periods = length(unique(pp$period)))

# CR2 (bias-reduced linearisation) with Satterthwaite degrees of freedom, clubSandwich's defaults for a
# glm (working model with the inverse-variance target), for every coefficient; logit and cloglog links
cr2 <- function(g) {
  V2 <- vcovCR(g, cluster = pp$municipality, type = "CR2")
  ct <- coef_test(g, vcov = V2, test = "Satterthwaite")
  list(terms = names(coef(g)), coef = unname(coef(g)), se = ct$SE, t = ct$tstat, df = ct$df_Satt,
       p_value = ct$p_Satt)
}
discrete_cr2 <- cr2(g)
gc <- glm(work ~ 0 + factor(period) + arm + age, family = binomial(link = "cloglog"), data = pp,
          control = glm.control(epsilon = 1e-14, maxit = 100))
discrete_cr2_cloglog <- cr2(gc)

write_json(list(n_clusters = G, cox_cr1 = cox_cr1, cox_wild = wild, discrete_cr1 = discrete_cr1,
                discrete_cr2 = discrete_cr2, discrete_cr2_cloglog = discrete_cr2_cloglog),
           "few_clusters.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
