#!/usr/bin/env bash
# The policy table: general pre-training, then two domains in sequence, equal token budget, same proxy model and
# seeds for every policy; one trained domain pair and one the agent never saw. Prints final target losses and
# upstream forgetting per policy, which rows are Pareto-dominated, and the agent against the best static ratio.
#   cpt-mixing/bench/policy-table.sh [--pairs arithmetic:units,code:weather] [--seeds 3] [--agent DIR]
# Takes a few minutes on a quiet 2-core machine (each proxy run is ~0.5 s of CPU).
set -euo pipefail
exec "$(dirname "$0")/../bin/agent" bench "$@"
