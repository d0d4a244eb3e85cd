# Golden values for R's exact partial likelihood (coxph(..., ties = "exact"), coxexact.fit and,
# with entry times, agexact.fit) and the Fleming-Harrington hazard with ties (survfit(ctype = 2)).
# Run from tests/golden: Rscript make_golden_exact.R   (R 4.2.2, survival 3.5-3)
suppressPackageStartupMessages({library(survival); library(jsonlite)})
ties <- read.csv("data/gen_ties.csv", stringsAsFactors = FALSE)
gen_entry <- read.csv("data/gen_entry.csv", stringsAsFactors = FALSE)
lung <- read.csv("../../../shared/data/lung.csv")
lung <- lung[complete.cases(lung[, c("time", "status", "age", "ph.ecog", "sex")]), ]
ctl <- coxph.control(eps = 1e-11, iter.max = 50)

cox_out <- function(fit) {
  list(coef = unname(coef(fit)), var = unname(fit$var), loglik = fit$loglik, score = fit$score,
       naive_var = if (is.null(fit$naive.var)) NULL else unname(fit$naive.var),
       residuals = unname(residuals(fit, type = "martingale")))
}
res <- list()
# Therneau and Grambsch's appendix data set 1 (survival's tests/book7.R): the loglik at 0 and the
# one-step estimate, checked there against hand formulas
test1 <- data.frame(time = c(9, 3, 1, 1, 6, 6, 8), status = c(1, NA, 1, 0, 1, 1, 0), x = c(0, 2, 1, 1, 1, 0, 0))
test1 <- test1[!is.na(test1$status), ]
f0 <- coxph(Surv(time, status) ~ x, test1, iter = 0, method = "exact")
f1 <- coxph(Surv(time, status) ~ x, test1, iter = 1, method = "exact")
res$book7 <- list(time = test1$time, status = test1$status, x = test1$x, loglik0 = f0$loglik[1], var0 = unname(f0$var[1, 1]),
                  coef1 = unname(coef(f1)), loglik1 = f1$loglik[2], var1 = unname(f1$var[1, 1]))
# monthly times with many ties
fit <- coxph(Surv(months, employed) ~ arm + region, data = ties, ties = "exact", control = ctl)
res$ties <- cox_out(fit)
res$ties$sctest <- unname(summary(fit)$sctest[1])
zk <- cox.zph(fit)$table  # cox.zph on an exact fit: Breslow's sums at the exact estimate
res$ties$zph <- list(chisq = unname(zk[, "chisq"]), df = unname(zk[, "df"]), p = unname(zk[, "p"]))
res$ties$efron_coef <- unname(coef(coxph(Surv(months, employed) ~ arm + region, data = ties, control = ctl)))
# the baseline (ctype 1 for an exact fit) at a covariate pattern
nd <- data.frame(arm = levels(factor(ties$arm))[2], region = levels(factor(ties$region))[1])
sf <- survfit(fit, newdata = nd)
res$ties$pred <- list(arm = nd$arm, region = nd$region, time = sf$time, surv = sf$surv, std_err = sf$std.err)
res$ties_strata <- cox_out(coxph(Surv(months, employed) ~ arm + strata(region), data = ties, ties = "exact",
                                 control = ctl))
ties$off <- 0.1 * (seq_len(nrow(ties)) %% 5)
res$ties_offset <- cox_out(coxph(Surv(months, employed) ~ arm + offset(off), data = ties, ties = "exact",
                                 control = ctl))
# no robust variance: R's dfbeta residuals are not available for the exact method
stopifnot(inherits(try(coxph(Surv(months, employed) ~ arm, data = ties, ties = "exact", cluster = cl), silent = TRUE),
                   "try-error"))
# counting-process rows (agexact.fit, which enumerates every subset: the first 60 rows of
# gen_entry, months rounded up to make ties of up to 5 events)
gen_entry$m <- ceiling(gen_entry$months)
gen_entry$en <- floor(gen_entry$entry)
g60 <- gen_entry[1:60, ]
res$entry <- cox_out(coxph(Surv(en, m, employed) ~ arm + w, data = g60, ties = "exact", control = ctl))
res$lung_counting <- cox_out(coxph(Surv(rep(0, nrow(lung)), time, status) ~ age + ph.ecog + sex, lung, ties = "exact",
                                   control = ctl))
# survival's book7: lung with three covariates, right-censored and as (0, time] rows
res$lung <- cox_out(coxph(Surv(time, status) ~ age + ph.ecog + sex, lung, ties = "exact", control = ctl))

# the Fleming-Harrington hazard (ctype = 2): Nelson-Aalen with ties handled as Efron's
ch <- function(fit) {
  s <- summary(fit, censored = TRUE)
  list(group = sub("^[^=]*=", "", as.character(s$strata)), time = s$time, cumhaz = s$cumhaz,
       std_chaz = s$std.chaz, survival = s$surv, std_err = s$std.err, lower = s$lower, upper = s$upper)
}
ties$w_int <- round(3 * ties$w) + 1
res$ctype2 <- ch(survfit(Surv(months, employed) ~ arm, data = ties, ctype = 2))
res$ctype2_fh <- ch(survfit(Surv(months, employed) ~ arm, data = ties, stype = 2, ctype = 2))
res$ctype2_intweights <- ch(survfit(Surv(months, employed) ~ arm, data = ties, ctype = 2, weights = w_int))
res$ctype2_weighted <- ch(survfit(Surv(months, employed) ~ arm, data = ties, ctype = 2, weights = w))
res$ctype2_cluster <- ch(survfit(Surv(months, employed) ~ arm, data = ties, ctype = 2, cluster = cl))
res$ctype2_entry_weighted <- ch(survfit(Surv(en, m, employed) ~ arm, data = gen_entry, ctype = 2, weights = w,
                                        id = seq_len(nrow(gen_entry))))
writeLines(toJSON(res, digits = NA, na = "null", auto_unbox = TRUE, matrix = "rowmajor"), "exact.json")
cat("written exact.json\n")
