# Golden values for duurzaam's tests, written by R's survival package.
#
# Run from the repository root, with ../shared/data beside it:
#   Rscript tests/golden/make_golden.R
# Needs r-base-core, r-cran-survival and r-cran-jsonlite (Debian). Writes tests/golden/*.json and
# the generated data sets under tests/golden/data/. The tests read these and need no R.

suppressPackageStartupMessages({
  library(survival)
  library(jsonlite)
})
options(warn = 1)

shared <- file.path("..", "shared", "data")
out_dir <- file.path("tests", "golden")
data_dir <- file.path(out_dir, "data")
dir.create(data_dir, showWarnings = FALSE, recursive = TRUE)

write_json_golden <- function(x, name) {
  txt <- toJSON(x, digits = I(17), na = "string", auto_unbox = TRUE, pretty = FALSE)
  writeLines(txt, file.path(out_dir, name))
}

meta <- list(R = R.version.string, survival = as.character(packageVersion("survival")))

lung <- read.csv(file.path(shared, "lung.csv"))
veteran <- read.csv(file.path(shared, "veteran.csv"))
rossi <- read.csv(file.path(shared, "rossi.csv"))

# ---------------------------------------------------------------------------------------------
# Generated data sets. Values are rounded so that the CSV holds them exactly, and R reads the
# CSV back before fitting, so R and the tests see the same doubles.
set.seed(20261122)
gen_ties <- local({
  n <- 600
  arm <- sample(c("control", "coach", "app"), n, replace = TRUE)
  rate <- c(control = 0.08, coach = 0.12, app = 0.10)[arm]
  t_event <- ceiling(rexp(n, rate))            # whole months: heavy ties
  t_cens <- sample(6:30, n, replace = TRUE)
  data.frame(
    months = pmin(t_event, t_cens),
    employed = as.integer(t_event <= t_cens),
    arm = arm,
    region = sample(c("north", "south"), n, replace = TRUE),
    w = round(runif(n, 0.2, 3), 3)
  )
})
write.csv(gen_ties, file.path(data_dir, "gen_ties.csv"), row.names = FALSE)

gen_entry <- local({
  n <- 400
  arm <- sample(c("A", "B"), n, replace = TRUE)
  entry <- round(pmax(0, runif(n, -6, 10)), 2)   # many enter at 0, others later
  dur <- round(rexp(n, ifelse(arm == "A", 0.07, 0.1)), 2) + 0.01
  cens <- round(runif(n, 2, 40), 2)
  exit <- entry + pmin(dur, cens)
  exit <- round(exit, 2)
  # a few whole-number exits to create ties across entry and exit times
  idx <- sample(n, 80)
  exit[idx] <- ceiling(exit[idx])
  data.frame(
    entry = entry, months = exit, employed = as.integer(dur <= cens), arm = arm,
    w = round(runif(n, 0.5, 2.5), 2)
  )
})
write.csv(gen_entry, file.path(data_dir, "gen_entry.csv"), row.names = FALSE)

gen_ties <- read.csv(file.path(data_dir, "gen_ties.csv"))
gen_entry <- read.csv(file.path(data_dir, "gen_entry.csv"))
# clusters (a deterministic column, so the random draws above are unchanged)
gen_ties$cl <- seq_len(nrow(gen_ties)) %% 23
gen_entry$cl <- seq_len(nrow(gen_entry)) %% 17
write.csv(gen_ties, file.path(data_dir, "gen_ties.csv"), row.names = FALSE)
write.csv(gen_entry, file.path(data_dir, "gen_entry.csv"), row.names = FALSE)

# The register-sized panel: 1e6 rows with 36 monthly times, made by an integer formula that the
# tests repeat exactly (tests/golden_data.py: register_panel). No random numbers, no file.
register_panel <- function(n) {
  i <- as.numeric(0:(n - 1))
  a <- (i * 2654435761) %% 4294967296
  g <- floor(a / 64) %% 4
  u <- a %% 36
  months <- 1 + pmin(35, floor(u * (1 + g / 4)))
  employed <- as.integer((floor(a / 4096) %% 10) < 6)
  data.frame(months = months, employed = employed, arm = g)
}

# ---------------------------------------------------------------------------------------------
# Kaplan-Meier cases
km_case <- function(name, data, formula, conf.type = "log", weights = NULL, robust = FALSE,
                    id = NULL, times, tau, dataset, duration, event, group = NULL, entry = NULL,
                    wname = NULL, cluster = NULL) {
  data$.w <- if (is.null(weights)) rep(1, nrow(data)) else data[[weights]]
  data$.id <- seq_len(nrow(data))
  args <- list(formula = formula, data = data, conf.type = conf.type)
  if (!is.null(weights)) args$weights <- data$.w
  # Always explicit: R's default turns robust on by itself for non-integer case weights.
  args$robust <- robust
  if (robust && !is.null(entry)) args$id <- data$.id
  if (!is.null(cluster)) args$cluster <- data[[cluster]]
  fit <- do.call(survfit, args)
  s <- summary(fit, censored = TRUE)
  strata <- if (is.null(s$strata)) rep("", length(s$time)) else sub("^[^=]*=", "", as.character(s$strata))
  q <- quantile(fit, probs = c(0.25, 0.5, 0.75))
  qa <- function(m) if (is.matrix(m)) m else matrix(m, nrow = 1)
  sa <- summary(fit, times = times)
  sa_strata <- if (is.null(sa$strata)) rep("", length(sa$time)) else sub("^[^=]*=", "", as.character(sa$strata))
  rm <- summary(fit, rmean = tau)$table
  rm <- if (is.matrix(rm)) rm else matrix(rm, nrow = 1, dimnames = list(NULL, names(rm)))
  # Nelson-Aalen from the same fit
  list(
    name = name, dataset = dataset, duration = duration, event = event, group = group,
    entry = entry, weights = wname, robust = robust, conf_type = conf.type, cluster = cluster,
    table = list(group = strata, time = s$time, n_risk = s$n.risk, n_event = s$n.event,
                 n_censor = s$n.censor, survival = s$surv, std_err = s$std.err,
                 lower = s$lower, upper = s$upper),
    cumhaz = list(group = strata, time = fit$time, cumhaz = fit$cumhaz, std_err = fit$std.chaz),
    quantile = list(probs = c(0.25, 0.5, 0.75), time = qa(q$quantile), lower = qa(q$lower), upper = qa(q$upper)),
    survival_at = list(times = times, group = sa_strata, time = sa$time, survival = sa$surv,
                       std_err = sa$std.err, lower = sa$lower, upper = sa$upper),
    rmst = list(tau = tau, rmst = unname(rm[, "rmean"]), std_err = unname(rm[, "se(rmean)"]))
  )
}

km_cases <- list(
  km_case("lung_sex", lung, Surv(time, status) ~ sex, times = c(0, 100, 365, 730), tau = 730,
          dataset = "lung", duration = "time", event = "status", group = "sex"),
  km_case("lung_loglog", lung, Surv(time, status) ~ 1, conf.type = "log-log", times = c(5, 180, 500, 1000),
          tau = 1000, dataset = "lung", duration = "time", event = "status"),
  km_case("veteran_celltype_plain", veteran, Surv(time, status) ~ celltype, conf.type = "plain",
          times = c(10, 50, 100, 200), tau = 200, dataset = "veteran", duration = "time", event = "status",
          group = "celltype"),
  km_case("rossi_fin", rossi, Surv(week, arrest) ~ fin, times = c(1, 10, 26, 52), tau = 52,
          dataset = "rossi", duration = "week", event = "arrest", group = "fin"),
  km_case("ties_arm", gen_ties, Surv(months, employed) ~ arm, times = c(1, 6, 12, 18, 24), tau = 24,
          dataset = "gen_ties", duration = "months", event = "employed", group = "arm"),
  km_case("ties_arm_weighted", gen_ties, Surv(months, employed) ~ arm, weights = "w", times = c(6, 12, 24),
          tau = 18, dataset = "gen_ties", duration = "months", event = "employed", group = "arm", wname = "w"),
  km_case("ties_arm_weighted_robust", gen_ties, Surv(months, employed) ~ arm, weights = "w", robust = TRUE,
          conf.type = "log-log", times = c(6, 12, 24), tau = 18, dataset = "gen_ties", duration = "months",
          event = "employed", group = "arm", wname = "w"),
  km_case("ties_robust_unweighted", gen_ties, Surv(months, employed) ~ 1, robust = TRUE, conf.type = "plain",
          times = c(3, 12), tau = 12, dataset = "gen_ties", duration = "months", event = "employed"),
  km_case("entry_arm", gen_entry, Surv(entry, months, employed) ~ arm, times = c(1, 5, 10, 20), tau = 20,
          dataset = "gen_entry", duration = "months", event = "employed", group = "arm", entry = "entry"),
  km_case("entry_weighted_robust", gen_entry, Surv(entry, months, employed) ~ arm, weights = "w", robust = TRUE,
          times = c(1, 5, 10, 20), tau = 15, dataset = "gen_entry", duration = "months", event = "employed",
          group = "arm", entry = "entry", wname = "w")
)
km_cases <- c(km_cases, list(
  km_case("ties_weighted_cluster", gen_ties, Surv(months, employed) ~ arm, weights = "w", robust = TRUE,
          times = c(6, 12), tau = 12, dataset = "gen_ties", duration = "months", event = "employed", group = "arm",
          wname = "w", cluster = "cl"),
  km_case("entry_cluster", gen_entry, Surv(entry, months, employed) ~ arm, robust = TRUE, times = c(1, 5, 10),
          tau = 10, dataset = "gen_entry", duration = "months", event = "employed", group = "arm", entry = "entry",
          cluster = "cl")
))
write_json_golden(list(meta = meta, cases = km_cases), "km.json")

# ---------------------------------------------------------------------------------------------
# Log-rank: survdiff where R has it, and a direct implementation of the same formulas for what
# survdiff lacks (delayed entry, case weights, gamma), first checked against survdiff and coxph.
logrank_manual <- function(entry, exit, event, group, strata = NULL, w = NULL, rho = 0, gamma = 0) {
  n <- length(exit)
  if (is.null(entry)) entry <- rep(-Inf, n)
  if (is.null(w)) w <- rep(1, n)
  if (is.null(strata)) strata <- rep(1, n)
  lev <- sort(unique(group))
  k <- length(lev)
  O <- E <- numeric(k)
  V <- matrix(0, k, k)
  for (s in unique(strata)) {
    ii <- strata == s
    tt <- sort(unique(exit[ii & event == 1]))
    km <- 1
    for (t in tt) {
      at <- ii & entry < t & exit >= t
      nk <- unname(sapply(lev, function(l) sum(w[at & group == l])))
      dk <- unname(sapply(lev, function(l) sum(w[ii & exit == t & event == 1 & group == l])))
      N <- sum(nk); D <- sum(dk)
      wt <- km^rho * (1 - km)^gamma
      O <- O + wt * dk
      E <- E + wt * D * nk / N
      if (N - D > 0 && N > 1) {
        f <- wt^2 * D * (N - D) / (N * (N - 1))
        V <- V + f * (diag(nk) - outer(nk, nk) / N)
      }
      km <- km * (N - D) / N
    }
  }
  keep <- which(E > 0)
  d <- (O - E)[keep][-1]
  vv <- V[keep, keep, drop = FALSE][-1, -1, drop = FALSE]
  list(observed = O, expected = E, var = V, statistic = sum(solve(vv, d) * d), df = length(keep) - 1)
}
# V above: f (diag(n) - n n' / N), i.e. f n_g (delta_gh - n_h / N), as survdiff accumulates it.

check_survdiff <- function(formula, data, rho, entry = NULL, exit, event, group, strata = NULL) {
  sd <- survdiff(formula, data = data, rho = rho)
  m <- logrank_manual(NULL, data[[exit]], data[[event]], data[[group]],
                      if (is.null(strata)) NULL else data[[strata]], rho = rho)
  stopifnot(isTRUE(all.equal(sd$chisq, m$statistic, tolerance = 1e-12)))
  stopifnot(isTRUE(all.equal(as.numeric(if (is.matrix(sd$exp)) rowSums(sd$exp) else sd$exp), m$expected, tolerance = 1e-12)))
  stopifnot(isTRUE(all.equal(unname(sd$var), unname(m$var), tolerance = 1e-12)))
}
check_survdiff(Surv(time, status) ~ sex, lung, 0, exit = "time", event = "status", group = "sex")
check_survdiff(Surv(time, status) ~ sex, lung, 1, exit = "time", event = "status", group = "sex")
check_survdiff(Surv(months, employed) ~ arm + strata(region), gen_ties, 0.5, exit = "months",
               event = "employed", group = "arm", strata = "region")
# With delayed entry and no tied event times the log-rank statistic is coxph's score test.
local({
  d <- gen_entry[!(gen_entry$employed == 1 & duplicated(gen_entry$months)), ]
  sc <- coxph(Surv(entry, months, employed) ~ arm, data = d, ties = "breslow", iter.max = 0)$score
  m <- logrank_manual(d$entry, d$months, d$employed, d$arm)
  stopifnot(isTRUE(all.equal(sc, m$statistic, tolerance = 1e-10)))
})
# Integer weights are frequency weights: the weighted statistic equals survdiff on repeated rows.
local({
  wi <- 1 + (seq_len(nrow(gen_ties)) %% 3)
  rep_rows <- gen_ties[rep(seq_len(nrow(gen_ties)), wi), ]
  sd <- survdiff(Surv(months, employed) ~ arm, data = rep_rows)
  m <- logrank_manual(NULL, gen_ties$months, gen_ties$employed, gen_ties$arm, w = wi)
  stopifnot(isTRUE(all.equal(sd$chisq, m$statistic, tolerance = 1e-12)))
})

lr_case <- function(name, dataset, data, duration, event, group, strata = NULL, entry = NULL,
                    weights = NULL, rho = 0, gamma = 0, source = "survdiff") {
  if (source == "survdiff") {
    f <- if (is.null(strata)) as.formula(paste0("Surv(", duration, ",", event, ") ~ ", group))
         else as.formula(paste0("Surv(", duration, ",", event, ") ~ ", group, " + strata(", strata, ")"))
    sd <- survdiff(f, data = data, rho = rho)
    obs <- if (is.matrix(sd$obs)) rowSums(sd$obs) else sd$obs
    exp <- if (is.matrix(sd$exp)) rowSums(sd$exp) else sd$exp
    res <- list(observed = as.numeric(obs), expected = as.numeric(exp), var = unname(sd$var),
                statistic = sd$chisq, df = length(sd$n) - 1,
                p_value = pchisq(sd$chisq, length(sd$n) - 1, lower.tail = FALSE))
  } else {
    m <- logrank_manual(if (is.null(entry)) NULL else data[[entry]], data[[duration]], data[[event]],
                        data[[group]], if (is.null(strata)) NULL else data[[strata]],
                        if (is.null(weights)) NULL else data[[weights]], rho, gamma)
    res <- c(m, list(p_value = pchisq(m$statistic, m$df, lower.tail = FALSE)))
    res$var <- unname(res$var)
  }
  c(list(name = name, dataset = dataset, duration = duration, event = event, group = group,
         strata = strata, entry = entry, weights = weights, rho = rho, gamma = gamma, source = source,
         levels = as.character(sort(unique(data[[group]])))), res)
}

register <- register_panel(1e6)
lr_cases <- list(
  lr_case("lung_sex", "lung", lung, "time", "status", "sex"),
  lr_case("lung_sex_peto", "lung", lung, "time", "status", "sex", rho = 1),
  lr_case("veteran_celltype_strata", "veteran", veteran, "time", "status", "celltype", strata = "trt"),
  lr_case("rossi_fin", "rossi", rossi, "week", "arrest", "fin"),
  lr_case("rossi_fin_rho_half", "rossi", rossi, "week", "arrest", "fin", rho = 0.5),
  lr_case("ties_arm_strata", "gen_ties", gen_ties, "months", "employed", "arm", strata = "region"),
  lr_case("register_1e6", "register_1e6", register, "months", "employed", "arm"),
  lr_case("ties_fh_1_1", "gen_ties", gen_ties, "months", "employed", "arm", rho = 1, gamma = 1, source = "manual"),
  lr_case("ties_fh_0_1_strata", "gen_ties", gen_ties, "months", "employed", "arm", strata = "region", gamma = 1, source = "manual"),
  lr_case("ties_weighted", "gen_ties", gen_ties, "months", "employed", "arm", weights = "w", source = "manual"),
  lr_case("entry_arm", "gen_entry", gen_entry, "months", "employed", "arm", entry = "entry", source = "manual"),
  lr_case("entry_weighted_peto", "gen_entry", gen_entry, "months", "employed", "arm", entry = "entry",
          weights = "w", rho = 1, source = "manual")
)
write_json_golden(list(meta = meta, cases = lr_cases), "logrank.json")
cat("golden values written to", out_dir, "\n")
