# Golden values for dz.design (issue: designing the next evaluation): rpact's sample size and power
# for the log-rank test (Schoenfeld and Freedman), over a grid of hazard ratios, allocation ratios,
# dropout and one- and two-sided tests, and rpact's simulated power of a two-arm and a four-arm
# trial (with its Monte Carlo error) to check the core's trial simulator against.
# Run from tests/golden: Rscript make_golden_design.R   (R 4.2.2, rpact 3.3.4 from Debian)
suppressPackageStartupMessages({library(rpact); library(jsonlite)})

sample_size <- list()
for (hr in c(0.5, 0.7, 0.8, 1.3)) for (alloc in c(1, 2, 0.5)) for (drop in c(0, 0.1))
  for (method in c("Schoenfeld", "Freedman")) for (sided in c(1, 2)) for (pw in c(0.8, 0.9)) {
    alpha <- if (sided == 1) 0.025 else 0.05
    x <- suppressWarnings(getSampleSizeSurvival(alpha = alpha, sided = sided, beta = 1 - pw, hazardRatio = hr,
                               median2 = 12, accrualTime = c(0, 12), followUpTime = 12,
                               allocationRatioPlanned = alloc, dropoutRate1 = drop, dropoutRate2 = drop,
                               dropoutTime = 12, typeOfComputation = method))
    sample_size[[length(sample_size) + 1]] <- list(
      hazard_ratio = hr, allocation = alloc, dropout_rate = drop, method = tolower(method), sided = sided,
      alpha = alpha, power = pw, median_control = 12, accrual_time = 12, follow_up_time = 12, dropout_time = 12,
      events = x$maxNumberOfEvents, n = x$maxNumberOfSubjects, study_duration = x$analysisTime[1, 1])
  }
# short accrual, long follow-up, another median
for (method in c("Schoenfeld", "Freedman")) {
  x <- getSampleSizeSurvival(alpha = 0.05, sided = 2, beta = 0.2, hazardRatio = 1.5, median2 = 8,
                             accrualTime = c(0, 3), followUpTime = 30, typeOfComputation = method)
  sample_size[[length(sample_size) + 1]] <- list(
    hazard_ratio = 1.5, allocation = 1, dropout_rate = 0, method = tolower(method), sided = 2, alpha = 0.05,
    power = 0.8, median_control = 8, accrual_time = 3, follow_up_time = 30, dropout_time = 12,
    events = x$maxNumberOfEvents, n = x$maxNumberOfSubjects, study_duration = x$analysisTime[1, 1])
}

power <- list()
for (hr in c(0.6, 0.75, 1.4)) for (ev in c(100, 250)) for (n in c(400, 700)) for (alloc in c(1, 2))
  for (sided in c(1, 2)) for (drop in c(0, 0.1)) for (method in c("Schoenfeld", "Freedman")) {
    alpha <- if (sided == 1) 0.025 else 0.05
    args <- list(alpha = alpha, sided = sided, hazardRatio = hr, median2 = 12, accrualTime = c(0, 12),
                 maxNumberOfEvents = ev, maxNumberOfSubjects = n, allocationRatioPlanned = alloc,
                 dropoutRate1 = drop, dropoutRate2 = drop, dropoutTime = 12, typeOfComputation = method)
    if (sided == 1) args$directionUpper <- hr > 1
    p <- tryCatch(suppressWarnings(do.call(getPowerSurvival, args)), error = function(e) NULL)
    if (is.null(p)) next
    power[[length(power) + 1]] <- list(
      hazard_ratio = hr, events = ev, n = n, allocation = alloc, sided = sided, alpha = alpha,
      dropout_rate = drop, dropout_time = 12, method = tolower(method), median_control = 12, accrual_time = 12,
      power = p$overallReject, analysis_time = p$analysisTime[1, 1])
  }

# simulated power, two arms, analysis at 250 events (individual times, as ours)
set.seed(20261126)
s2 <- getSimulationSurvival(alpha = 0.025, sided = 1, hazardRatio = 0.7, median2 = 12, accrualTime = c(0, 12),
                            maxNumberOfSubjects = 500, plannedEvents = 250, directionUpper = FALSE,
                            maxNumberOfIterations = 20000, seed = 20261126)
sim_two_arm <- list(hazard_ratio = 0.7, median_control = 12, accrual_time = 12, n = 500, events = 250,
                    alpha = 0.025, sided = 1, n_sims = 20000, power = s2$overallReject,
                    analysis_time = s2$analysisTime[1, 1])

# simulated power, three arms against a control, at 600 events overall; rpact's tests are closed
# tests, so its "Bonferroni" is Holm's step-down and its "Dunnett" the step-down Dunnett test
sim_multi <- list()
for (test in c("Dunnett", "Bonferroni")) {
  d <- getDesignInverseNormal(kMax = 1, alpha = 0.025, sided = 1)
  m <- getSimulationMultiArmSurvival(d, activeArms = 3, omegaMaxVector = 0.7, plannedEvents = 600,
                                     typeOfShape = "userDefined", effectMatrix = matrix(c(0.7, 0.85, 1), nrow = 1),
                                     intersectionTest = test, directionUpper = FALSE,
                                     maxNumberOfIterations = 20000, seed = 20261126)
  sim_multi[[length(sim_multi) + 1]] <- list(test = tolower(test), hazard_ratios = c(0.7, 0.85, 1), events = 600,
                                             alpha = 0.025, sided = 1, n_sims = 20000,
                                             reject_per_arm = as.numeric(m$rejectedArmsPerStage[1, 1, ]),
                                             reject_any = m$rejectAtLeastOne[1])
}

# the variance of the Kaplan-Meier estimate at a milestone and of the RMST under the censoring that
# accrual, follow-up and dropout imply: n x the variance over simulated arms (survfit), to check the
# asymptotic variances that milestone_sample_size and rmst_sample_size use
suppressPackageStartupMessages(library(survival))
set.seed(20261127)
km_var <- list()
for (hr in c(1, 1.4)) {
  lam <- log(2) / 12 * hr; phi <- -log(1 - 0.1) / 12; n <- 400; reps <- 10000
  s12 <- numeric(reps); rm12 <- numeric(reps)
  for (r in seq_len(reps)) {
    entry <- runif(n, 0, 6); t <- rexp(n, lam); d <- rexp(n, phi); c <- pmin(d, 6 + 8 - entry)
    x <- pmin(t, c); ev <- as.integer(t <= c)
    fit <- survfit(Surv(x, ev) ~ 1)
    s12[r] <- summary(fit, times = 12, extend = TRUE)$surv
    rm12[r] <- summary(fit, rmean = 12)$table[["rmean"]]
  }
  km_var[[length(km_var) + 1]] <- list(hazard_ratio = hr, median_control = 12, accrual_time = 6, follow_up_time = 8,
    dropout_rate = 0.1, dropout_time = 12, at = 12, n = n, reps = reps,
    n_var_survival = n * var(s12), n_var_rmst = n * var(rm12), mean_survival = mean(s12), mean_rmst = mean(rm12))
}

# Dunnett critical values: comparisons with a common control, correlation sqrt(a_i a_j / ((a_i + a_0)
# (a_j + a_0))) from the allocation weights (mvtnorm's qmvnorm, quasi-Monte Carlo to 1e-6)
suppressPackageStartupMessages(library(mvtnorm))
dunnett <- list()
for (case in list(list(control = 1, arms = c(1, 1, 1), alpha = 0.025, sided = 1),
                  list(control = 1, arms = c(1, 1, 1), alpha = 0.05, sided = 2),
                  list(control = 2, arms = c(1, 1, 1), alpha = 0.025, sided = 1),
                  list(control = 1, arms = c(2, 1), alpha = 0.05, sided = 2))) {
  lam <- sqrt(case$arms / (case$arms + case$control)); S <- outer(lam, lam); diag(S) <- 1
  set.seed(1)
  q <- qmvnorm(1 - case$alpha, tail = if (case$sided == 1) "lower.tail" else "both.tails", sigma = S,
               abseps = 1e-6, maxpts = 1e6)$quantile
  dunnett[[length(dunnett) + 1]] <- c(case, list(critical = q))
}

write_json(list(sample_size = sample_size, power = power, sim_two_arm = sim_two_arm, sim_multi = sim_multi,
                km_variance = km_var, dunnett = dunnett),
           "design.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
