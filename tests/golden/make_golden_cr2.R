# Golden values for CR2 with Satterthwaite degrees of freedom beyond the GLM (issue: models of
# sustained employment, part 4): the Cox model through its Poisson form and the AFT model through
# its estimating equations; 14 municipalities (data/few_clusters.csv).
#
# CR2 here is Bell and McCaffrey's bias-reduced linearisation of the symmetric working model:
# per cluster the adjusted score Z_g' (I - H_gg)^(-1/2) e_g with Z = W^(1/2) X, e = W^(-1/2)(y - mu)
# (times the prior weight), H = Z M Z', M = (Z'Z)^-1 (pseudo-inverse square root, as clubSandwich),
# and Satterthwaite's df under the working model. `cr2_hat` computes it by hand on the rows, with
# n_g x n_g matrices. For ordinary least squares it is clubSandwich's CR2 and Satterthwaite test
# (checked below). Cox: Breslow's partial likelihood is the likelihood of a Poisson glm on the rows
# at risk at each event time with one intercept per (stratum, event time) (checked: same
# coefficients as coxph, its cluster sandwich is coxph's robust variance), so the Cox CR2 is
# cr2_hat on that glm. AFT (survreg): no rows to take leverages from; the same adjustment in the
# dimension of the parameters, (I - J_g M)^(-1/2) U_g with U_g and J_g each municipality's score
# and information from survreg's own per-row derivatives (residuals type "matrix"); `cr2_theta`
# computes that and is checked against cr2_hat on the Poisson glm (same numbers, other route).
# Run from tests/golden: Rscript make_golden_cr2.R  (R 4.2.2, survival 3.5-3, clubSandwich 0.5.8)
suppressPackageStartupMessages({library(survival); library(clubSandwich); library(jsonlite)})
d <- read.csv("data/few_clusters.csv")

msqrt_inv <- function(A) {  # pseudo-inverse square root of a symmetric PSD matrix
  e <- eigen((A + t(A)) / 2, symmetric = TRUE)
  f <- ifelse(e$values > 1e-10, 1 / sqrt(pmax(e$values, 1e-300)), 0)
  e$vectors %*% (f * t(e$vectors))
}

cr2_hat <- function(Z, e, cl, keep) {
  M <- solve(crossprod(Z))
  gs <- unique(cl)
  A <- list(); comps <- NULL
  for (g in gs) {
    i <- which(cl == g)
    Zg <- Z[i, , drop = FALSE]
    A[[as.character(g)]] <- msqrt_inv(diag(length(i)) - Zg %*% M %*% t(Zg))
    comps <- cbind(comps, t(Zg) %*% A[[as.character(g)]] %*% e[i])
  }
  V <- (M %*% comps %*% t(comps) %*% M)[keep, keep, drop = FALSE]
  df <- sapply(keep, function(j) {
    a <- lapply(gs, function(g) {i <- which(cl == g); A[[as.character(g)]] %*% Z[i, , drop = FALSE] %*% M[, j]})
    za <- sapply(seq_along(gs), function(k) t(Z[cl == gs[k], , drop = FALSE]) %*% a[[k]])
    P <- -t(za) %*% M %*% za
    diag(P) <- diag(P) + sapply(a, function(v) sum(v^2))
    sum(diag(P))^2 / sum(P^2)
  })
  list(V = V, df = df)
}

cr2_theta <- function(U, J, keep) {  # U: G x q scores, J: list of q x q informations
  M <- solve(Reduce(`+`, J))
  L <- t(chol(M))
  G <- nrow(U)
  Fg <- lapply(1:G, function(g) L %*% msqrt_inv(diag(ncol(U)) - t(L) %*% J[[g]] %*% L) %*% t(L))
  comps <- sapply(1:G, function(g) Fg[[g]] %*% U[g, ])
  V <- (comps %*% t(comps))[keep, keep, drop = FALSE]
  df <- sapply(keep, function(j) {
    qg <- lapply(1:G, function(g) Fg[[g]][, j])
    a <- sapply(1:G, function(g) J[[g]] %*% qg[[g]])
    P <- -t(a) %*% M %*% a
    diag(P) <- diag(P) + sapply(1:G, function(g) sum(qg[[g]] * (J[[g]] %*% qg[[g]])))
    sum(diag(P))^2 / sum(P^2)
  })
  list(V = V, df = df)
}

# 1. cr2_hat is clubSandwich's CR2 for least squares
ols <- lm(log(months) ~ arm + age, data = d)
cs <- coef_test(ols, vcov = vcovCR(ols, cluster = d$municipality, type = "CR2"), test = "Satterthwaite")
X <- model.matrix(ols)
h <- cr2_hat(X, residuals(ols), d$municipality, 1:3)
stopifnot(max(abs(sqrt(diag(h$V)) / cs$SE - 1)) < 1e-10, max(abs(h$df / cs$df_Satt - 1)) < 1e-8)

# 2. Cox through its Poisson form: the rows at risk at each event time, an intercept per (stratum,
# event time). With Efron's ties (efron = TRUE): Efron's partial likelihood is the profile likelihood
# of a quasi-Poisson model in which a time with d tied deaths is d sub-times j = 0..d-1, at which
# the dying rows have an event of 1/d and their risk scaled by c = 1 - j/d (an offset log c);
# everyone else at risk as before. Breslow's is the case of one sub-time with c = 1. Either
# model's cluster sandwich is coxph's robust variance (checked below), so its CR2 is cr2_hat on it.
poisson_rows <- function(d, time, event, entry = NULL, strata = NULL, w = NULL, efron = FALSE) {
  n <- nrow(d)
  entry <- if (is.null(entry)) rep(-Inf, n) else entry
  strata <- if (is.null(strata)) rep(1, n) else strata
  w <- if (is.null(w)) rep(1, n) else w
  out <- NULL
  for (s in sort(unique(strata))) {
    ts <- sort(unique(time[strata == s & event == 1]))
    for (k in seq_along(ts)) {
      i <- which(strata == s & entry < ts[k] & time >= ts[k])
      dead <- event[i] == 1 & time[i] == ts[k]
      dk <- if (efron) sum(dead) else 1
      for (j in 0:(dk - 1)) {
        out <- rbind(out, data.frame(row = i, k = paste(s, k, j), y = ifelse(dead, 1 / dk, 0),
                                     c = ifelse(dead, 1 - j / dk, 1), w = w[i]))
      }
    }
  }
  out
}

cox_cr2 <- function(d, time, event, formula_rhs, entry = NULL, strata = NULL, w = NULL, terms, efron = FALSE) {
  pr <- poisson_rows(d, time, event, entry, strata, w, efron)
  pd <- cbind(pr, d[pr$row, all.vars(formula_rhs), drop = FALSE])
  fo <- update(formula_rhs, y ~ 0 + factor(k) + . + offset(log(c)))
  gl <- glm(fo, family = quasipoisson, data = pd, weights = w, control = glm.control(epsilon = 1e-15, maxit = 100))
  mu <- fitted(gl)
  X <- model.matrix(gl)
  Z <- sqrt(pd$w * mu) * X
  e <- sqrt(pd$w / mu) * (pd$y - mu)
  keep <- match(terms, colnames(X))
  M <- solve(crossprod(Z))
  cl <- d$municipality[pr$row]
  U <- rowsum(e * Z, cl)
  cr0 <- (M %*% t(U) %*% U %*% M)[keep, keep, drop = FALSE]
  h <- cr2_hat(Z, e, cl, keep)
  list(coef = unname(coef(gl)[keep]), cr0 = cr0, V = h$V, df = h$df, Z = Z, e = e, cl = cl, M = M, keep = keep)
}

report <- function(fit, r, terms) {
  se <- sqrt(diag(r$V))
  b <- unname(coef(fit))
  list(terms = terms, coef = b, se = unname(se), df = unname(r$df), t = b / se,
       p_value = 2 * pt(-abs(b / se), r$df),
       lower = b - qt(0.975, r$df) * se, upper = b + qt(0.975, r$df) * se,
       robust_se = unname(sqrt(diag(fit$var))))
}

check_cox <- function(fit, r) {
  stopifnot(max(abs(r$coef - coef(fit))) < 1e-8)
  stopifnot(max(abs(r$cr0 - fit$var)) < 1e-10 * max(abs(fit$var)))  # Poisson-form CR0 = coxph robust
}

# monthly (tied) data, Breslow
f1 <- coxph(Surv(months, work) ~ arm + age, data = d, cluster = municipality, ties = "breslow")
r1 <- cox_cr2(d, d$months, d$work, ~ arm + age, terms = c("arm", "age"))
check_cox(f1, r1)

# the same adjustment in the dimension of the parameters (cr2_theta) gives the same numbers
G <- length(unique(r1$cl))
Ug <- rowsum(r1$e * r1$Z, r1$cl)
Jg <- lapply(sort(unique(r1$cl)), function(g) crossprod(r1$Z[r1$cl == g, ]))
th <- cr2_theta(Ug, Jg, r1$keep)
stopifnot(max(abs(th$V / r1$V - 1)) < 1e-8, max(abs(th$df / r1$df - 1)) < 1e-8)

# case weights (IPTW, ATE weights from a logistic propensity model of arm on age), Breslow
ps <- fitted(glm(arm ~ age, family = binomial, data = d))
d$w <- ifelse(d$arm == 1, 1 / ps, 1 / (1 - ps))
f2 <- coxph(Surv(months, work) ~ arm, data = d, weights = w, cluster = municipality, ties = "breslow")
r2 <- cox_cr2(d, d$months, d$work, ~ arm, w = d$w, terms = "arm")
check_cox(f2, r2)

# delayed entry and strata (counting-process rows, a baseline per arm)
d$entry <- pmin(d$months - 1, (seq_len(nrow(d)) - 1) %% 4)
f3 <- coxph(Surv(entry, months, work) ~ age + strata(arm), data = d, cluster = municipality, ties = "breslow")
r3 <- cox_cr2(d, d$months, d$work, ~ age, entry = d$entry, strata = d$arm, terms = "age")
check_cox(f3, r3)

# untied (continuous) times on every third person: Efron's partial likelihood is Breslow's
u <- d[seq(1, nrow(d), by = 3), ]
u$time <- u$months - ((seq_len(nrow(u)) * 0.6180339887) %% 1) * 0.9
stopifnot(!anyDuplicated(u$time))
f4 <- coxph(Surv(time, work) ~ arm + age, data = u, cluster = municipality, ties = "efron")
r4 <- cox_cr2(u, u$time, u$work, ~ arm + age, terms = c("arm", "age"))
check_cox(f4, r4)

# every fourth person (the expanded rows of all 535 would make n_g x n_g matrices of 7,000)
s4 <- d[seq(1, nrow(d), by = 4), ]
f5 <- coxph(Surv(months, work) ~ arm + age, data = s4, cluster = municipality, ties = "efron")
r5 <- cox_cr2(s4, s4$months, s4$work, ~ arm + age, terms = c("arm", "age"), efron = TRUE)
check_cox(f5, r5)
f6 <- coxph(Surv(entry, months, work) ~ age + strata(arm), data = s4, weights = w, cluster = municipality,
            ties = "efron")
r6 <- cox_cr2(s4, s4$months, s4$work, ~ age, entry = s4$entry, strata = s4$arm, w = s4$w, terms = "age",
              efron = TRUE)
check_cox(f6, r6)

# 3. AFT (Weibull and log-normal, right-censored) through its estimating equations
aft_cr2 <- function(dist) {
  fit <- survreg(Surv(months, work) ~ arm + age, data = d, dist = dist, cluster = municipality,
                 control = survreg.control(rel.tolerance = 1e-13, maxiter = 100))
  X <- model.matrix(fit)
  m <- residuals(fit, type = "matrix")   # per row: g, dg, ddg, ds, dds, dsg (eta and log sigma)
  sc <- cbind(X * m[, "dg"], m[, "ds"])
  U <- rowsum(sc, d$municipality)
  J <- lapply(sort(unique(d$municipality)), function(g) {
    i <- d$municipality == g
    Xi <- X[i, , drop = FALSE]
    rbind(cbind(-t(Xi) %*% (m[i, "ddg"] * Xi), -t(Xi) %*% m[i, "dsg"]),
          cbind(-t(m[i, "dsg"]) %*% Xi, -sum(m[i, "dds"])))
  })
  stopifnot(max(abs(solve(Reduce(`+`, J)) - fit$naive.var)) < 1e-8 * max(abs(fit$naive.var)))
  th <- cr2_theta(U, J, 1:4)
  se <- sqrt(diag(th$V))
  b <- c(unname(coef(fit)), log(fit$scale))
  list(terms = c("(Intercept)", "arm", "age", "Log(scale)"), coef = b, se = se, df = th$df, t = b / se,
       p_value = 2 * pt(-abs(b / se), th$df), robust_se = unname(sqrt(diag(fit$var))))
}

write_json(list(
  cox_breslow = report(f1, r1, c("arm", "age")),
  cox_weighted = c(report(f2, r2, "arm"), list(weights = d$w)),
  cox_entry_strata = report(f3, r3, "age"),
  cox_untied = c(report(f4, r4, c("arm", "age")), list(rows = seq(1, nrow(d), by = 3) - 1, time = u$time)),
  cox_efron = c(report(f5, r5, c("arm", "age")), list(rows = seq(1, nrow(d), by = 4) - 1)),
  cox_efron_weighted_entry_strata = report(f6, r6, "age"),
  aft_weibull = aft_cr2("weibull"),
  aft_lognormal = aft_cr2("lognormal")),
  "cr2.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
