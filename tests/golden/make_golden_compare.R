# Golden values for the arm comparisons: the log-rank trend test (by hand from survdiff's
# observed, expected and variance) and pairwise log-rank tests with Holm and Bonferroni (p.adjust).
#   Rscript tests/golden/make_golden_compare.R     (from the repository root)
suppressPackageStartupMessages({ library(survival); library(jsonlite) })
vet <- read.csv(file.path("..", "shared", "data", "veteran.csv"))
sd <- survdiff(Surv(time, status) ~ celltype, data = vet)
O <- sd$obs; E <- sd$exp; V <- sd$var
trend <- function(s) { d <- sum(s * (O - E)); chi <- d^2 / drop(t(s) %*% V %*% s); c(chi, pchisq(chi, 1, lower.tail = FALSE)) }
lv <- sort(unique(vet$celltype))
pairs <- combn(lv, 2)
pw <- apply(pairs, 2, function(p) {
  d <- vet[vet$celltype %in% p, ]
  s <- survdiff(Surv(time, status) ~ celltype, data = d)
  c(s$chisq, pchisq(s$chisq, 1, lower.tail = FALSE))
})
# RMST contrast of fin = 1 against fin = 0 on rossi at 52 weeks, from print(survfit, rmean = 52)
rossi <- read.csv(file.path("..", "shared", "data", "rossi.csv"))
tab <- summary(survfit(Surv(week, arrest) ~ fin, data = rossi), rmean = 52)$table
m <- tab[, "rmean"]; se <- tab[, "se(rmean)"]; z <- qnorm(0.975)
dif <- m[2] - m[1]; dse <- sqrt(se[1]^2 + se[2]^2)
ratio <- m[2] / m[1]; lse <- sqrt((se[1] / m[1])^2 + (se[2] / m[2])^2)
rmst_contrast <- unname(c(dif, dse, dif - z * dse, dif + z * dse, ratio, ratio * exp(-z * lse), ratio * exp(z * lse)))
# survival difference at 26 and 52 weeks (fin = 1 against fin = 0), Greenwood se, plain interval
sm <- summary(survfit(Surv(week, arrest) ~ fin, data = rossi), times = c(26, 52))
s0 <- sm$surv[sm$strata == "fin=0"]; s1 <- sm$surv[sm$strata == "fin=1"]
e0 <- sm$std.err[sm$strata == "fin=0"]; e1 <- sm$std.err[sm$strata == "fin=1"]
sdiff <- s1 - s0; sse <- sqrt(e0^2 + e1^2)
survival_contrast <- cbind(s1, s0, sdiff, sse, sdiff - z * sse, sdiff + z * sse)
out <- list(rmst_contrast = rmst_contrast, survival_contrast = survival_contrast,
  trend_default = trend(seq_along(lv)), trend_scores = trend(c(0, 1, 4, 9)),
  pairs = t(pairs), statistic = pw[1, ], p = pw[2, ],
  holm = p.adjust(pw[2, ], "holm"), bonferroni = p.adjust(pw[2, ], "bonferroni")
)
writeLines(toJSON(out, digits = I(17), auto_unbox = TRUE, matrix = "rowmajor"), file.path("tests", "golden", "compare.json"))
cat("compare golden values written\n")
