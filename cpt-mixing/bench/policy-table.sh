#!/usr/bin/env bash
# The policy table: general pre-training, then two domains in sequence, equal token budget, same proxy model and
# seeds for every policy; one trained domain pair and one the agent never saw. Prints final target losses and
# upstream forgetting per policy, which rows are Pareto-dominated, the agent against the best static ratio, and the
# agent minus every static ratio paired by seed (mean ± standard error).
#   cpt-mixing/bench/policy-table.sh [--pairs arithmetic:units,code:weather] [--seeds 8] [--agent DIR]
#                                    [--static 0.25,0.5,0.6,0.7,0.75,0.8]
# About 2 minutes on a quiet 2-core machine (each proxy run is ~0.35 s of CPU; 8 seeds x 2 pairs x 11 policies).
set -euo pipefail
exec "$(dirname "$0")/../bin/agent" bench "$@"
