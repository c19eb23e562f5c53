#!/usr/bin/env bash
# The AVX-512 8 × 32 tiles (lamina_packed_gemm.hpp's tile_8x32_avx512 and its callers) of git revision
# OLD (default HEAD) against the working tree in one process: bitwise check, then alternating timings
# (tile_8x32_bench.cpp). Same flags as the JNI build (pom.xml). Also prints, per tile and tree, the
# instructions of the tile function, its FMAs and its zmm stack accesses (0: register-resident).
#   bench/native/tile_8x32_bench.sh [OLD] [ROUNDS]
set -euo pipefail
OLD=${1:-HEAD}
ROUNDS=${2:-15}
source "$(dirname "$0")/old_new.sh"
build_old_new tile_8x32 "$OLD"
for t in old new; do
    for f in packed_tile_avx512 seq_tile_avx512_rows tn_tile_avx512; do
        sym=$(nm "$TMP/$t.o" | awk -v f="$f" '$2 == "W" && index($3, f) && !s {s = $3} END {print s}')
        asm=$(objdump -d --no-show-raw-insn --disassemble="$sym" "$TMP/$t.o" | grep -P '^\s+[0-9a-f]+:\t' || true)
        printf "%s %-22s %4d instructions, %2d FMAs, %d zmm stack accesses\n" "$t" "$f" "$(grep -c . <<<"$asm")" \
            "$(grep -c vfmadd <<<"$asm" || true)" "$(grep -E '\(%r[sb]p' <<<"$asm" | grep -c zmm || true)"
    done
done
"$TMP/bench" "$ROUNDS"
[ -n "${KEEP:-}" ] && cp "$TMP/old.o" "$TMP/new.o" "$TMP/bench" "$KEEP"/ || true
