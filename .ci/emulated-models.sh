#!/usr/bin/env bash
# Issue 10: the forecaster and the digits CNN train with cuda as the backend, on the emulated CUDA
# device (the same .cu kernels compiled for the CPU). Run by .ci/run after the test command, from
# the repository root, on the classes that `./mvnw verify` built.
set -euo pipefail
cd "$(dirname "$0")/.."
CP="target/classes:$(cat target/runtime-classpath.txt)"
export LAMINA_BACKEND=cuda LAMINA_CUDA=emulated
start=$(date +%s)
java -cp "$CP" dev.lamina.cli.Main forecast --epochs 2 --ensemble 1 --quiet --out target/ci-emulated/forecast "$@"
java -cp "$CP" dev.lamina.examples.DigitsCnn target/ci-emulated/digits-cnn 1
echo "emulated-device models: forecaster and digits CNN on cuda (emulated) passed in $(( $(date +%s) - start )) s"
