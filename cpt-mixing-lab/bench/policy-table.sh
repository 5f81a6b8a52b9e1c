#!/usr/bin/env bash
# The policy table: general pre-training, then two domains in sequence, equal token budget, same proxy model and
# seeds for every policy; one trained domain pair and one the agent never saw. Prints final target losses and
# upstream forgetting per policy, which rows are Pareto-dominated, the static ratio with the best target loss, the
# static frontier at the agent's forgetting, the agent minus every static ratio paired by seed (mean ± standard
# error), and last the static replay ratio at the agent's forgetting, fitted on a grid of nine ratios 0.01 apart
# around it, against the agent with a 95 % bootstrap interval over seeds: the issue's target.
#   cpt-mixing-lab/bench/policy-table.sh [--pairs arithmetic:units,code:weather] [--seeds 8] [--first-seed 1]
#                                    [--agent DIR] [--static 0.25,0.5,0.6,0.7,0.75,0.8,0.85]
# About 100 s on a quiet 2-core machine for 8 seeds (a proxy run is ~0.35 s of CPU; 8 seeds x 2 pairs x 21 runs).
set -euo pipefail
exec "$(dirname "$0")/../bin/agent" bench "$@"
