# Sourced by run_env_ab.sh, run_threads_matrix.sh and run_seedfit_ab.sh: the interleaving loop they
# share and the timing of one run. Sets ROOT (the repository, also made the working directory) and CP
# (the built tree's class path: needs target/classes and target/runtime-classpath.txt).
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
CP="$ROOT/target/classes:$(cat "$ROOT/target/runtime-classpath.txt")"

# interleave ROUNDS FN LIST...: in each round r = 1..ROUNDS, calls FN r WORD... for every combination
# of one word from each (space-separated) LIST, nested in the order given (the last list innermost), so
# that the runs compared see the same load. A list written "alt:WORDS" runs its words in reverse order
# on even rounds.
interleave() {
    local rounds=$1 fn=$2 r
    shift 2
    for r in $(seq 1 "$rounds"); do
        _interleave_nest "$r" "$fn" 0 "$@"
    done
}

# _interleave_nest R FN N PICKED(N words)... LIST...: interleave's recursion over the remaining lists.
_interleave_nest() {
    local r=$1 fn=$2 n=$3
    shift 3
    local picked=("${@:1:n}")
    shift "$n"
    if (( $# == 0 )); then
        "$fn" "$r" ${picked[@]+"${picked[@]}"}
        return
    fi
    local list=$1 words=() w i
    shift
    if [[ $list == alt:* ]]; then
        read -r -a words <<< "${list#alt:}"
        if (( r % 2 == 0 )); then
            local reversed=()
            for (( i = ${#words[@]} - 1; i >= 0; i-- )); do reversed+=("${words[i]}"); done
            words=(${reversed[@]+"${reversed[@]}"})
        fi
    else
        read -r -a words <<< "$list"
    fi
    for w in ${words[@]+"${words[@]}"}; do
        _interleave_nest "$r" "$fn" $(( n + 1 )) ${picked[@]+"${picked[@]}"} "$w" "$@"
    done
}

# measure KEY CMD...: runs CMD (its stderr dropped) and sets MIN and MEDIAN to the values on its
# KEY_min and KEY_median lines, and LOAD to "before-after", the 1-minute load average around the run.
measure() {
    local key=$1 la0 out
    shift
    la0=$(cut -d' ' -f1 /proc/loadavg)
    out=$("$@" 2>/dev/null)
    MIN=$(echo "$out" | awk "/^${key}_min/{print \$2}")
    MEDIAN=$(echo "$out" | awk "/^${key}_median/{print \$2}")
    LOAD="$la0-$(cut -d' ' -f1 /proc/loadavg)"
}

# lamina VARIANT [-DNAME=VALUE...] ARGS...: the Lamina CLI of the built tree with ARGS, the leading -D
# options given to the JVM, under the environment VARIANT: "-" for none, else a comma-separated list of
# VAR=value.
lamina() {
    local variant=$1 envs=() jvm=()
    shift
    if [[ $variant != - ]]; then
        IFS=, read -r -a envs <<< "$variant"
    fi
    while (( $# > 0 )) && [[ $1 == -D* ]]; do
        jvm+=("$1")
        shift
    done
    env ${envs[@]+"${envs[@]}"} java ${jvm[@]+"${jvm[@]}"} -cp "$CP" dev.lamina.cli.Main "$@"
}
