#!/usr/bin/env bash
# CI: the lamina-spark module (spark/, its own pom: Spark stays out of the core jar). Installs
# dev.lamina:lamina and its tools jar into the local Maven repository (skip with --no-install when
# the build just ran `install`), then builds spark/ and runs its tests on Spark local[2]: a tuner
# search and `lamina tune --spark local[2]` give the local run's trials bitwise, ensemble members
# trained on Spark equal the plain loop. Leaves spark/target/lamina-spark-*.jar and
# spark/target/runtime-classpath.txt, which ./lamina adds to its class path.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
MVN=("$ROOT/mvnw" -B -ntp -q)
start=$(date +%s)

if [[ "${1:-}" != "--no-install" ]]; then
    echo "spark: installing dev.lamina:lamina (tests skipped)"
    "${MVN[@]}" install -DskipTests -Dlamina.cuda.emu.tests.skip=true
fi

echo "spark: build and test spark/ (local[2])"
"${MVN[@]}" -f "$ROOT/spark/pom.xml" package
echo "spark: passed in $(( $(date +%s) - start )) s"
