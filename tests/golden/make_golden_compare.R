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
out <- list(
  trend_default = trend(seq_along(lv)), trend_scores = trend(c(0, 1, 4, 9)),
  pairs = t(pairs), statistic = pw[1, ], p = pw[2, ],
  holm = p.adjust(pw[2, ], "holm"), bonferroni = p.adjust(pw[2, ], "bonferroni")
)
writeLines(toJSON(out, digits = I(17), auto_unbox = TRUE, matrix = "rowmajor"), file.path("tests", "golden", "compare.json"))
cat("compare golden values written\n")
