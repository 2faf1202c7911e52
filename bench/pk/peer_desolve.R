# R deSolve (LSODA, compiled C RHS) peer for bench/pk. Args: <case dir> <shared object>.
suppressMessages(library(deSolve))
args <- commandArgs(trailingOnly = TRUE)
d <- args[1]; so <- args[2]
p <- read.csv(file.path(d, "params.csv")); p <- setNames(p$value, p$name)
doses <- read.csv(file.path(d, "doses.csv")); ours <- read.csv(file.path(d, "ours.csv"))
dyn.load(so)
parms <- c(p[["ka"]], p[["cl"]] / p[["v1"]], p[["q"]] / p[["v1"]], p[["q"]] / p[["v2"]],
           p[["fm"]], p[["clm"]] / p[["vm"]])
events <- data.frame(var = "depot", time = doses$time_h,
                     value = p[["f"]] * doses$dose_mg * 1000 / p[["mwp"]], method = "add")
y0 <- c(depot = 0, central = 0, periph = 0, met = 0)
run <- function() ode(y = y0, times = ours$time_h, func = "derivs", parms = parms,
                      dllname = sub("\\.so$", "", basename(so)), initfunc = "initmod",
                      method = "lsoda", events = list(data = events), rtol = 1e-10, atol = 1e-14)
out <- run()
cp <- out[, "central"] / p[["v1"]] * p[["mwp"]]
cm <- out[, "met"] / p[["vm"]] * p[["mwm"]]
rel <- function(a, b) max(abs(a - b) / pmax(abs(b), 1e-6 * max(abs(b))))
err <- max(rel(cp, ours$mitragynine_ng_ml), rel(cm, ours$hydroxymitragynine_ng_ml))
samples <- sapply(1:5, function(i) system.time(for (j in 1:3) run())[["elapsed"]] / 3)
cat(sprintf("PEER desolve_lsoda_compiled %.6e %.2e\n", median(samples), err))
