# Golden values for the bootstrap intervals: R's boot.ci on a replicate matrix that both R and the
# tests use (written to the JSON), so the comparison is of the interval arithmetic alone.
#   Rscript tests/golden/make_golden_boot.R     (from the repository root)
suppressPackageStartupMessages({ library(boot); library(jsonlite) })
rossi <- read.csv(file.path("..", "shared", "data", "rossi.csv"))
set.seed(11)
cases <- list()
stat_mean <- function(d, i) c(mean(d[i]), var(d[i]) / length(i))
stat_trim <- function(d, i) mean(d[i], trim = 0.1)
for (spec in list(list(name = "prio_mean", x = rossi$prio, f = stat_mean, R = 999),
                  list(name = "age_mean_R500", x = rossi$age, f = stat_mean, R = 500),
                  list(name = "age_trimmed_mean", x = rossi$age + rossi$prio / 10, f = stat_trim, R = 999))) {
  b <- boot(spec$x, spec$f, R = spec$R)
  # jackknife estimates (leave one out) and R's influence values from them
  n <- length(spec$x)
  theta_minus <- sapply(seq_len(n), function(i) spec$f(spec$x[-i], seq_len(n - 1))[1])
  L <- empinf(b, index = 1, type = "jack")
  a <- sum(L^3) / (6 * sum(L^2)^1.5)
  has_var <- ncol(b$t) > 1
  out <- list(name = spec$name, t0 = b$t0[1], v0 = if (has_var) b$t0[2] else NULL, t = b$t[, 1],
              v = if (has_var) b$t[, 2] else NULL,
              theta_minus = theta_minus, accel = a)
  for (conf in c(0.95, 0.9)) {
    types <- c("norm", "basic", "perc", "bca")
    if (has_var) types <- c(types, "stud")
    ci <- if (has_var) boot.ci(b, conf = conf, type = types, L = L)
          else boot.ci(b, conf = conf, type = types, L = L, index = 1)
    key <- sprintf("conf_%s", conf)
    out[[key]] <- list(
      normal = unname(ci$normal[1, 2:3]), basic = unname(ci$basic[1, 4:5]),
      percentile = unname(ci$percent[1, 4:5]), bca = unname(ci$bca[1, 4:5]),
      studentized = if (is.null(ci$student)) NULL else unname(ci$student[1, 4:5]))
  }
  cases[[length(cases) + 1]] <- out
}
writeLines(toJSON(list(meta = list(R = R.version.string, boot = as.character(packageVersion("boot"))), cases = cases),
                  digits = I(17), na = "string", auto_unbox = TRUE), file.path("tests", "golden", "boot.json"))
cat("boot golden values written\n")
