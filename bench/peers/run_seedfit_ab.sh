#!/usr/bin/env bash
# The seed LSTM fit three ways, interleaved within each round so that all see the same load:
#   native    lamina bench fit --workload seed-lstm (the cpu backend's native sequence kernels)
#   composed  the same with -Dlamina.cpu.sequenceKernels=composed (the per-step loops before them)
#   torch     lstm_fit_torch.py --workload seed-lstm
# One line per run: min and median seconds of REPEATS fits, load average before and after.
#
#   THREADS="1 2" ROUNDS=3 GRAPH=off bench/peers/run_seedfit_ab.sh
# Needs a built tree (./mvnw -q -DskipTests process-classes) and the peers' venv (PEERS_PYTHON,
# default ../peers/bin/python beside the repository).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/interleave.sh"
PY="${PEERS_PYTHON:-$ROOT/../peers/bin/python}"
THREADS="${THREADS:-1 2}"; ROUNDS="${ROUNDS:-3}"; REPEATS="${REPEATS:-5}"; GRAPH="${GRAPH:-}"
MODES="${MODES:-native composed torch}"
graph=(); [[ -n "$GRAPH" ]] && graph=(--graph "$GRAPH")

# torch_fit THREADS: the PyTorch peer (measure runs it in a subshell, so the cd stays there)
torch_fit() {
    cd bench/peers && OMP_NUM_THREADS=$1 "$PY" lstm_fit_torch.py --workload seed-lstm --threads "$1" --repeats "$REPEATS"
}

# one_run ROUND THREADS MODE
one_run() {
    if [[ $3 == torch ]]; then
        measure fit_seconds torch_fit "$2"
    else
        local opts=()
        [[ $3 == composed ]] && opts=(-Dlamina.cpu.sequenceKernels=composed)
        measure fit_seconds lamina - ${opts[@]+"${opts[@]}"} bench fit --workload seed-lstm --threads "$2" \
            --repeats "$REPEATS" ${graph[@]+"${graph[@]}"}
    fi
    printf "round=%s threads=%s graph=%s %-8s min=%.3f median=%.3f load=%s\n" "$1" "$2" "${GRAPH:-default}" \
        "$3" "$MIN" "$MEDIAN" "$LOAD"
}
interleave "$ROUNDS" one_run "$THREADS" "$MODES"
