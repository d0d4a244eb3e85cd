# Golden values for dz.cox, written by R's survival::coxph.
#   Rscript tests/golden/make_golden_cox.R     (from the repository root, ../shared/data beside it)
# Writes tests/golden/cox.json and tests/golden/data/gen_cox.csv.

suppressPackageStartupMessages({
  library(survival)
  library(jsonlite)
})
options(warn = 1)
shared <- file.path("..", "shared", "data")
out_dir <- file.path("tests", "golden")
data_dir <- file.path(out_dir, "data")

lung <- read.csv(file.path(shared, "lung.csv"))
veteran <- read.csv(file.path(shared, "veteran.csv"))
rossi <- read.csv(file.path(shared, "rossi.csv"))

# A generated evaluation data set: monthly durations (ties), three arms, 24 municipalities as
# clusters, case weights, delayed entry for some, an offset. Rounded so the CSV is exact.
set.seed(20261123)
gen_cox <- local({
  n <- 900
  arm <- sample(c("control", "coach", "app"), n, replace = TRUE)
  age <- round(runif(n, 18, 64))
  female <- rbinom(n, 1, 0.5)
  muni <- sample(sprintf("m%02d", 1:24), n, replace = TRUE)
  u <- rnorm(24, 0, 0.3)[as.integer(factor(muni))]
  lp <- 0.4 * (arm == "coach") + 0.2 * (arm == "app") - 0.02 * (age - 40) + 0.3 * female + u
  t_event <- ceiling(rexp(n, 0.06 * exp(lp)))
  t_cens <- sample(4:36, n, replace = TRUE)
  entry <- ifelse(runif(n) < 0.3, sample(0:3, n, replace = TRUE), 0)
  months <- pmax(pmin(t_event, t_cens), entry + 1)
  data.frame(months = months, job = as.integer(t_event <= t_cens), entry = entry,
             arm = arm, coach = as.integer(arm == "coach"), app = as.integer(arm == "app"),
             age = age, female = female, muni = muni,
             w = round(runif(n, 0.5, 2), 2), off = round(rnorm(n, 0, 0.2), 3))
})
write.csv(gen_cox, file.path(data_dir, "gen_cox.csv"), row.names = FALSE)
gen_cox <- read.csv(file.path(data_dir, "gen_cox.csv"))

cox_case <- function(name, dataset, data, duration, event, covariates, entry = NULL, strata = NULL,
                     weights = NULL, cluster = NULL, robust = FALSE, ties = "efron", offset = NULL,
                     newdata = NULL, times = NULL) {
  lhs <- if (is.null(entry)) sprintf("Surv(%s, %s)", duration, event)
         else sprintf("Surv(%s, %s, %s)", entry, duration, event)
  rhs <- paste(covariates, collapse = " + ")
  if (!is.null(strata)) rhs <- paste0(rhs, " + strata(", strata, ")")
  if (!is.null(offset)) rhs <- paste0(rhs, " + offset(", offset, ")")
  f <- as.formula(paste(lhs, "~", rhs))
  args <- list(formula = f, data = data, ties = ties)
  if (!is.null(weights)) args$weights <- data[[weights]]
  if (!is.null(cluster)) args$cluster <- data[[cluster]]
  args$robust <- robust || !is.null(cluster)  # explicit: R turns it on by itself for non-integer weights
  fit <- do.call(coxph, args)
  s <- summary(fit)
  res <- list(
    name = name, dataset = dataset, duration = duration, event = event, covariates = covariates,
    entry = entry, strata = strata, weights = weights, cluster = cluster, robust = robust,
    ties = ties, offset = offset,
    coef = unname(coef(fit)), var = unname(fit$var), loglik = fit$loglik,
    # unrounded (summary() rounds the printed statistics)
    score_test = unname(fit$score), wald_test = unname(fit$wald.test),
    lr_test = 2 * (fit$loglik[2] - fit$loglik[1]), df = length(coef(fit)),
    means = unname(fit$means),
    concordance = unname(fit$concordance[c("concordant", "discordant", "tied.x", "tied.y", "tied.xy", "concordance", "std")]),
    martingale = unname(residuals(fit, "martingale")),
    deviance = unname(residuals(fit, "deviance")),
    score = unname(residuals(fit, "score")),
    dfbeta = unname(residuals(fit, "dfbeta")),  # weighted by the case weights (R's default)
    schoenfeld = unname(as.matrix(residuals(fit, "schoenfeld"))),
    scaledsch = unname(as.matrix(residuals(fit, "scaledsch")))
  )
  if (robust || !is.null(cluster)) res$naive_var <- unname(fit$naive.var)
  zk <- cox.zph(fit)$table
  zi <- cox.zph(fit, transform = "identity")$table
  res$zph_km <- list(chisq = unname(zk[, "chisq"]), df = unname(zk[, "df"]), p = unname(zk[, "p"]))
  res$zph_identity <- list(chisq = unname(zi[, "chisq"]), df = unname(zi[, "df"]), p = unname(zi[, "p"]))
  bh <- basehaz(fit, centered = FALSE)
  res$basehaz <- list(time = bh$time, hazard = bh$hazard,
                      strata = if (is.null(bh$strata)) NULL else as.character(bh$strata))
  if (!is.null(newdata)) {
    sf <- survfit(fit, newdata = newdata)
    ss <- summary(sf, times = times, extend = TRUE)
    res$predict <- list(newdata = newdata, times = times, surv = unname(as.matrix(ss$surv)))
  }
  res
}

cases <- list(
  cox_case("lung_efron", "lung", lung, "time", "status", c("age", "sex", "ph.ecog"),
           newdata = data.frame(age = c(50, 70), sex = c(1, 2), ph.ecog = c(0, 2)), times = c(100, 365, 700)),
  cox_case("lung_breslow", "lung", lung, "time", "status", c("age", "sex", "ph.ecog", "wt.loss"), ties = "breslow"),
  cox_case("veteran_strata", "veteran", veteran, "time", "status",
           c("karno", "age", "celltype_smallcell", "celltype_adeno", "celltype_large"), strata = "trt"),
  cox_case("rossi_robust", "rossi", rossi, "week", "arrest", c("fin", "age", "race", "wexp", "mar", "paro", "prio"),
           robust = TRUE,
           newdata = data.frame(fin = c(0, 1), age = c(20, 30), race = c(1, 0), wexp = c(0, 1), mar = c(0, 0),
                                paro = c(1, 1), prio = c(3, 0)), times = c(10, 26, 52)),
  cox_case("gen_weighted_cluster", "gen_cox", gen_cox, "months", "job", c("coach", "app", "age", "female"),
           weights = "w", cluster = "muni"),
  cox_case("gen_entry_strata_offset", "gen_cox", gen_cox, "months", "job", c("coach", "app", "age", "female"),
           entry = "entry", strata = "muni", offset = "off"),
  cox_case("gen_formula_factor_interaction", "gen_cox", gen_cox, "months", "job",
           c("factor(arm)", "age", "factor(arm):age", "female"),
           newdata = data.frame(arm = c("control", "coach"), age = c(30, 50), female = c(1, 0)), times = c(6, 12)),
  cox_case("gen_entry_breslow_weighted", "gen_cox", gen_cox, "months", "job", c("coach", "app", "age"),
           entry = "entry", weights = "w", ties = "breslow")
)
txt <- toJSON(list(meta = list(R = R.version.string, survival = as.character(packageVersion("survival"))),
                   cases = cases), digits = I(17), na = "string", auto_unbox = TRUE, matrix = "rowmajor")
writeLines(txt, file.path(out_dir, "cox.json"))
cat("cox golden values written\n")
