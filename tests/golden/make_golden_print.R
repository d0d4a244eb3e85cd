# R's printed output of coxph, survfit and survdiff, for the R-style summary_text() of duurzaam.
#   Rscript tests/golden/make_golden_print.R     (from the repository root; R 4.2.2, survival 3.5-3)
suppressPackageStartupMessages(library(survival))
dd <- file.path("..", "shared", "data")
rossi <- read.csv(file.path(dd, "rossi.csv")); lung <- read.csv(file.path(dd, "lung.csv"))
vet <- read.csv(file.path(dd, "veteran.csv"))
body <- function(x) {   # drop the "Call:" block
  out <- capture.output(print(x))
  i <- which(out == "")[1]
  out[(i + 1):length(out)]
}
cases <- list(
  cox_rossi = coxph(Surv(week, arrest) ~ fin + age + prio, data = rossi),
  cox_rossi_robust = coxph(Surv(week, arrest) ~ fin + age, data = rossi, robust = TRUE),
  cox_lung = coxph(Surv(time, status) ~ age + sex, data = lung),
  km_rossi = survfit(Surv(week, arrest) ~ fin, data = rossi),
  km_lung = survfit(Surv(time, status) ~ sex, data = lung),
  logrank_veteran = survdiff(Surv(time, status) ~ celltype, data = vet),
  aft_rossi = survreg(Surv(week, arrest) ~ fin + age + prio, data = rossi),
  aft_rossi_exponential = survreg(Surv(week, arrest) ~ fin, data = rossi, dist = "exponential")
)
for (nm in names(cases)) writeLines(body(cases[[nm]]), file.path("tests", "golden", "print", paste0(nm, ".txt")))
cat("print golden files written\n")
