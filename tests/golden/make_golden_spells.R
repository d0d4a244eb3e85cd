# Golden values for the panel-to-spells rules and the state occupancy (duurzaam.spells).
# Written independently of the Rust code: spells by filling short interruptions and run-length
# encoding (rle), the outcome rules as documented in python/duurzaam/spells.py, Kaplan-Meier and
# the multi-state Aalen-Johansen estimate by R survival.
# Run from tests/golden: Rscript make_golden_spells.R   (R 4.2.2, survival 3.5-3)
suppressPackageStartupMessages({library(survival); library(jsonlite)})
d <- read.csv("data/gen_panel.csv", stringsAsFactors = FALSE, na.strings = "")
d <- d[order(d$person_id, d$month), ]
gap <- c(work = 1)   # a one-month interruption does not end a job

# Spells of one person: a stretch of at most gap[s] months that are not s (another state, a
# missing status or no row at all) with s on both sides becomes s; spells are then the runs of
# one observed state. next_state: the state after the spell, "<NA>" (unobserved) or "<END>".
person_spells <- function(month, status) {
  full <- seq(min(month), max(month))
  s <- rep(NA_character_, length(full))
  s[month - min(month) + 1] <- status
  for (st in names(gap)) {
    r <- rle(!is.na(s) & s == st)
    ends <- cumsum(r$lengths); starts <- ends - r$lengths + 1
    for (k in seq_along(r$values)) {
      if (!r$values[k] && k > 1 && k < length(r$values) && r$lengths[k] <= gap[[st]]) s[starts[k]:ends[k]] <- st
    }
  }
  key <- ifelse(is.na(s), "<NA>", s)
  r <- rle(key)
  ends <- cumsum(r$lengths); starts <- ends - r$lengths + 1
  sp <- data.frame(state = r$values, start = full[starts], end = full[ends], stringsAsFactors = FALSE)
  sp$next_state <- c(sp$state[-1], "<END>")
  sp[sp$state != "<NA>", , drop = FALSE]
}

persons <- split(d, d$person_id)
spells <- lapply(persons, function(p) person_spells(p$month, p$status))
origin <- sapply(persons, function(p) p$origin[1])
arm <- sapply(persons, function(p) p$arm[1])
ids <- as.integer(names(persons))

drop_row <- function(reason) list(duration = NA, event = NA, entry = NA, reason = reason)

first_entry <- function(sp, o, k, confirmed, target = "work") {
  i <- which(sp$end >= o)
  if (!length(i)) return(drop_row("no data after the origin"))
  i <- i[1]
  if (sp$state[i] %in% target) return(drop_row("in the target state at the start"))
  entry <- max(0, sp$start[i] - o)
  for (j in i:nrow(sp)) {
    open <- sp$next_state[j] %in% c("<NA>", "<END>")
    if (sp$state[j] %in% target) {
      if (sp$end[j] - sp$start[j] + 1 >= k) {
        t <- if (confirmed) sp$start[j] + k - o else sp$start[j] - o; ev <- 1; break
      }
      if (open) { t <- if (confirmed) sp$end[j] + 1 - o else sp$start[j] - 1 - o; ev <- 0; break }
    } else if (open) {
      t <- if (confirmed) sp$end[j] + 1 - o else sp$end[j] - o; ev <- 0; break
    }
  }
  if (t <= entry) return(drop_row("no time at risk"))
  list(duration = t, event = ev, entry = entry, reason = "kept")
}

# Leaving benefit: cause 1 = work (confirmed `lag` months after the first month off benefit:
# in work then and never back on benefit in between), 2 = any other destination.
state_at <- function(sp, m) { k <- which(sp$start <= m & sp$end >= m); if (length(k)) sp$state[k] else NA }
exit_benefit <- function(sp, o, lag) {
  i <- which(sp$end >= o)
  if (!length(i)) return(drop_row("no data after the origin"))
  i <- i[1]
  if (sp$state[i] != "benefit") return(drop_row("not in the state left at the start"))
  entry <- max(0, sp$start[i] - o); e <- sp$end[i]
  res <- function(t, ev) if (t <= entry) drop_row("no time at risk") else list(duration = t, event = ev, entry = entry, reason = "kept")
  if (sp$next_state[i] %in% c("<NA>", "<END>")) return(res(e - o, 0))
  dest <- sp$next_state[i]
  if (dest != "work") return(res(e + 1 - o, 2))
  if (lag == 0) return(res(e + 1 - o, 1))
  w <- sapply((e + 1):(e + 1 + lag), function(m) state_at(sp, m))
  seen <- if (any(is.na(w))) w[seq_len(which(is.na(w))[1] - 1)] else w
  if ("benefit" %in% seen) return(res(e + 1 - o, 2))
  if (any(is.na(w))) return(res(e - o, 0))
  res(e + 1 - o, if (w[length(w)] == "work") 1 else 2)
}

# Competing destinations (time_to_first): the first spell in any destination state after the
# origin, its state the cause; the rules of first_entry with k = 1 and the event at the start.
first_destination <- function(sp, o, causes) {
  if (is.na(o)) return(c(drop_row("no origin"), cause = NA))
  r <- first_entry(sp, o, 1, FALSE, target = names(causes))
  if (r$reason != "kept" || r$event == 0) return(c(r, cause = if (r$reason == "kept") 0 else NA))
  k <- which(sp$start == o + r$duration & sp$state %in% names(causes))
  r$event <- causes[[sp$state[k]]]
  c(r, cause = r$event)
}

# An origin from the panel (event_origin): the end of the first work spell that starts after the
# programme origin and is seen to end (followed by an observed state).
job_end <- function(sp, o) {
  k <- which(sp$state == "work" & sp$start > o & !(sp$next_state %in% c("<NA>", "<END>")))
  if (length(k)) sp$end[k[1]] else NA
}

outcome_frame <- function(rows) {
  data.frame(person_id = ids, duration = sapply(rows, `[[`, "duration"), event = sapply(rows, `[[`, "event"),
             entry = sapply(rows, `[[`, "entry"), reason = sapply(rows, `[[`, "reason"), arm = arm,
             stringsAsFactors = FALSE)
}
outcomes <- list(
  work_any = outcome_frame(Map(function(sp, o) first_entry(sp, o, 1, FALSE), spells, origin)),
  work6_start = outcome_frame(Map(function(sp, o) first_entry(sp, o, 6, FALSE), spells, origin)),
  work6_confirmed = outcome_frame(Map(function(sp, o) first_entry(sp, o, 6, TRUE), spells, origin)),
  exit_lag0 = outcome_frame(Map(function(sp, o) exit_benefit(sp, o, 0), spells, origin)),
  exit_lag1 = outcome_frame(Map(function(sp, o) exit_benefit(sp, o, 1), spells, origin)),
  first_destination = outcome_frame(Map(function(sp, o) first_destination(sp, o, c(work = 1, education = 2, other = 2)),
                                        spells, origin))
)
job_end_origin <- unname(Map(job_end, spells, origin))
outcomes$benefit_after_job <- outcome_frame(Map(function(sp, o) first_destination(sp, o, c(benefit = 1)),
                                                spells, job_end_origin))
event_origin <- list(person_id = ids, origin = unlist(lapply(job_end_origin, function(v) if (is.na(v)) NA else v)))

km_at <- function(df, times) {
  df <- df[df$reason == "kept", ]
  fit <- survfit(Surv(entry, duration, event) ~ arm, data = df)
  s <- summary(fit, times = times, extend = TRUE)
  list(arm = sub("arm=", "", as.character(s$strata)), time = s$time, survival = s$surv, std_err = s$std.err)
}

# State occupancy: counting-process rows per spell from the origin on, (a, b] in the spell's
# state, ending in a transition to the next state or in censoring.
ms <- do.call(rbind, Map(function(sp, o, id, a) {
  sp <- sp[sp$end >= o, , drop = FALSE]
  if (!nrow(sp)) return(NULL)
  to <- ifelse(sp$next_state %in% c("<NA>", "<END>"), "censor", sp$next_state)
  # survfit refuses gaps within an id: each observed stretch gets its own id (re-entering the
  # risk set after a gap is delayed entry; the point estimate depends on risk sets only).
  stretch <- cumsum(c(0, head(to == "censor", -1)))
  data.frame(id = id * 100 + stretch, arm = a, tstart = pmax(sp$start, o) - o, tstop = sp$end + 1 - o, from = sp$state, to = to,
             stringsAsFactors = FALSE)
}, spells, origin, ids, arm))
states <- c("benefit", "education", "other", "work")
ms$to <- factor(ms$to, levels = c("censor", states))
ms$from <- factor(ms$from, levels = states)
stopifnot(all(survcheck(Surv(tstart, tstop, to) ~ 1, data = ms, id = id, istate = from)$flag == 0))
fit <- survfit(Surv(tstart, tstop, to) ~ arm, data = ms, id = id, istate = from)
s <- summary(fit, times = c(6, 12, 18))
occ <- list(arm = sub("arm=", "", as.character(s$strata)), time = s$time, states = states,
            pstate = unname(s$pstate), n_risk = unname(s$n.risk))

# The infinitesimal-jackknife standard errors need the person as the unit: R refuses gaps within
# an id, so they are checked on the persons whose follow-up has no gap (one stretch each).
one <- tapply(ms$id %% 100, ms$id %/% 100, max) == 0
keep <- as.integer(names(one)[one])
ms1 <- ms[(ms$id %/% 100) %in% keep, ]
fit1 <- survfit(Surv(tstart, tstop, to) ~ arm, data = ms1, id = id, istate = from)
s1 <- summary(fit1, times = c(6, 12, 18))
occ_nogap <- list(persons = keep, arm = sub("arm=", "", as.character(s1$strata)), time = s1$time,
                  pstate = unname(s1$pstate), std_err = unname(s1$std.err))

golden <- list(
  meta = list(r = R.version.string, survival = as.character(packageVersion("survival")), max_gap_work = 1),
  outcomes = outcomes,
  km = lapply(outcomes[c("work_any", "work6_start", "work6_confirmed")], km_at, times = c(6, 12, 18)),
  occupancy = occ,
  occupancy_nogap = occ_nogap,
  event_origin = event_origin,
  n_spells = sum(sapply(spells, nrow))
)
write_json(golden, "spells.json", digits = NA, auto_unbox = TRUE, pretty = FALSE, na = "null")
cat("wrote spells.json\n")
