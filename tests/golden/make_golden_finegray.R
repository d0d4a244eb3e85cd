# Golden values for Gray's test, cmprsk's cumulative-incidence variance and the Fine-Gray model
# (duurzaam.cumulative_incidence(..., variance="cmprsk").gray_test, duurzaam.fine_gray).
# Run from tests/golden: Rscript make_golden_finegray.R   (R 4.2.2, cmprsk 2.2-11)
suppressPackageStartupMessages({library(cmprsk); library(jsonlite)})

# Data: mgus2 (progression vs death, by sex) and the generated work-versus-other-exit cohort with
# two covariates added here (written out for the tests).
mgus <- read.csv("data/mgus2.csv")
gc <- read.csv("data/gen_compete.csv")
set.seed(20261122)
gc$x1 <- round(rnorm(nrow(gc)), 2)
gc$x2 <- as.integer(gc$arm == "B")
gc$region <- c("north", "south")[1 + (seq_len(nrow(gc)) %% 3 == 0)]
write.csv(gc[, c("months", "status", "arm", "x1", "x2", "region")], "data/gen_compete_fg.csv", row.names = FALSE)

gray_case <- function(name, d, time, status, group, strata = NULL, rho = 0) {
  ci <- if (is.null(strata)) cuminc(d[[time]], d[[status]], d[[group]], rho = rho)
        else cuminc(d[[time]], d[[status]], d[[group]], d[[strata]], rho = rho)
  tests <- ci$Tests
  # cmprsk's estimates and variances at the distinct event times, per group and cause
  curves <- lapply(names(ci)[names(ci) != "Tests"], function(nm) {
    z <- ci[[nm]]
    keep <- seq(2, length(z$time) - 1, by = 2)   # the value after each jump
    list(name = nm, time = z$time[keep + 1], est = z$est[keep + 1], var = z$var[keep + 1])
  })
  list(name = name, time = time, status = status, group = group, strata = strata, rho = rho,
       cause = as.numeric(rownames(tests)), statistic = unname(tests[, "stat"]), p_value = unname(tests[, "pv"]),
       df = unname(tests[, "df"]), curves = curves)
}

gray <- list(
  gray_case("mgus2_sex", mgus, "etime", "event", "sex"),
  gray_case("compete_arm", gc, "months", "status", "arm"),
  gray_case("compete_arm_rho1", gc, "months", "status", "arm", rho = 1),
  gray_case("compete_arm_strata", gc, "months", "status", "arm", strata = "region")
)

fg_case <- function(name, d, covs, cause = 1, cengroup = NULL, newx = rbind(c(0, 0), c(1, 1), c(-0.5, 0))) {
  X <- as.matrix(d[, covs, drop = FALSE])
  f <- if (is.null(cengroup)) crr(d$months, d$status, X, failcode = cause, gtol = 1e-12, maxiter = 100)
       else crr(d$months, d$status, X, cengroup = d[[cengroup]], failcode = cause, gtol = 1e-12, maxiter = 100)
  pr <- predict(f, newx)
  list(name = name, covariates = covs, cause = cause, cengroup = cengroup, coef = unname(f$coef),
       var = unname(f$var), loglik = f$loglik, converged = f$converged, uftime = f$uftime, bfitj = f$bfitj,
       newx = unname(newx), predict = unname(pr[, -1, drop = FALSE]))
}
mg <- mgus; mg$months <- mg$etime; mg$status <- mg$event; mg$male <- as.integer(mg$sex == "M")
fg <- list(
  fg_case("compete_x1_x2", gc, c("x1", "x2")),
  fg_case("compete_cause2", gc, c("x1", "x2"), cause = 2),
  fg_case("mgus2_male", mg, "male", newx = rbind(0, 1))
)
write_json(list(meta = list(r = R.version.string, cmprsk = as.character(packageVersion("cmprsk"))),
                gray = gray, fine_gray = fg),
           "finegray.json", digits = NA, auto_unbox = TRUE, null = "null", na = "null")
cat("wrote finegray.json\n")
