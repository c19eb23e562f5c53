# Sourced by build.sh and harness.sh: compiles an object only when what goes into it changed.
#
#   objcache_compile <source> <object> <headers sum> <compiler command...>
#
# The key of an object is the checksum of its source (without a first "#line" directive, which
# names the .cu file by its absolute path: a copy elsewhere, as mutations.sh makes, keeps its
# objects), the checksum of every header it may include, and the compiler command. When
# <object>.key holds the same key the compile is skipped. Up to two compilers run at a time;
# objcache_wait waits for them (and fails when one failed).
OBJCACHE_PIDS=()

objcache_key() {  # objcache_key <source> <headers sum> <command...>
    local src=$1 hs=$2
    shift 2
    { sed '1{/^#line /d}' "$src"; echo "$hs"; echo "$*"; } | sha256sum | cut -d' ' -f1
}

objcache_compile() {
    local src=$1 obj=$2 hs=$3
    shift 3
    local key
    key=$(objcache_key "$src" "$hs" "$@")
    if [[ -f "$obj" && -f "$obj.key" && "$(cat "$obj.key")" == "$key" ]]; then
        return 0
    fi
    rm -f "$obj" "$obj.key"
    ( "$@" -c "$src" -o "$obj" && echo "$key" >"$obj.key" ) &
    OBJCACHE_PIDS+=($!)
    if [[ ${#OBJCACHE_PIDS[@]} -ge 2 ]]; then
        wait "${OBJCACHE_PIDS[0]}" || return 1
        OBJCACHE_PIDS=("${OBJCACHE_PIDS[@]:1}")
    fi
}

objcache_wait() {
    local p rc=0
    for p in "${OBJCACHE_PIDS[@]}"; do wait "$p" || rc=1; done
    OBJCACHE_PIDS=()
    return $rc
}

# checksum of the files given (names and contents)
objcache_sum() {
    local f
    for f in "$@"; do [[ -f "$f" ]] && { echo "$f"; cat "$f"; }; done | sha256sum | cut -d' ' -f1
}
