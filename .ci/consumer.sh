#!/usr/bin/env bash
# CI: Lamina used as a dependency. Installs dev.lamina:lamina into the local Maven repository
# (skip with --no-install when the build just ran `install`), then, in the separate project
# examples/consumer/ (its own pom, depending on dev.lamina:lamina only):
#   1. its dependency tree holds no benchmark, plotting, server, CLI or test library;
#   2. jdeps finds every class the library jar refers to on that project's class path
#      (the library does not need the tools jar or an optional dependency);
#   3. it compiles the workshop examples against the installed jar and runs them (example.AllExamples:
#      tensors, a feed-forward net, a CNN, an RNN with embeddings, single and stacked LSTMs,
#      metrics, ensembles), each checking its own result.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
MVN=("$ROOT/mvnw" -B -ntp -q)
CONSUMER=(-f "$ROOT/examples/consumer/pom.xml")
WORK="$ROOT/target/consumer-check"
mkdir -p "$WORK"
start=$(date +%s)

if [[ "${1:-}" != "--no-install" ]]; then
    echo "consumer: installing dev.lamina:lamina (tests skipped)"
    "${MVN[@]}" install -DskipTests -Dlamina.cuda.emu.tests.skip=true
fi

echo "consumer: dependency tree"
"${MVN[@]}" "${CONSUMER[@]}" dependency:tree -DoutputFile="$WORK/tree.txt"
cat "$WORK/tree.txt"
if grep -nE "org\.openjdk\.jmh|jopt-simple|org\.knowm\.xchart|org\.eclipse\.jetty|org\.slf4j|junit|picocli" "$WORK/tree.txt"; then
    echo "consumer: FAIL: the library's dependency tree holds a tools or test dependency (above)" >&2
    exit 1
fi

echo "consumer: jdeps --missing-deps on the library jar"
"${MVN[@]}" "${CONSUMER[@]}" dependency:build-classpath -Dmdep.outputFile="$WORK/classpath.txt"
LIB_JAR="$(tr ':' '\n' < "$WORK/classpath.txt" | grep -E '/dev/lamina/lamina/[^/]+/lamina-[^/]*\.jar$' | grep -v -- '-tools' | head -1)"
[[ -n "$LIB_JAR" ]] || { echo "consumer: FAIL: no dev.lamina:lamina jar on the consumer's class path" >&2; exit 1; }
OTHERS="$(tr ':' '\n' < "$WORK/classpath.txt" | grep -vF "$LIB_JAR" | paste -sd:)"
jdeps --multi-release 17 --missing-deps -cp "$OTHERS" "$LIB_JAR" > "$WORK/jdeps.txt" 2>&1 || true
if [[ -s "$WORK/jdeps.txt" ]]; then
    head -40 "$WORK/jdeps.txt"
    echo "consumer: FAIL: the library jar refers to classes that are not on its class path (above)" >&2
    exit 1
fi
if jar tf "$LIB_JAR" | grep -qE "dev/lamina/(cli|bench|examples|forecast|plot|parity|serving)/"; then
    echo "consumer: FAIL: $LIB_JAR holds tools classes" >&2
    exit 1
fi

echo "consumer: compile and run examples/consumer"
"${MVN[@]}" "${CONSUMER[@]}" package exec:exec
echo "consumer: passed in $(( $(date +%s) - start )) s"
