#!/bin/bash
cd /work/wt/integrate
OUT=/tmp/quiet8; mkdir -p $OUT
CP="target/classes:$(cat target/runtime-classpath.txt)"
echo "start $(date +%T) $(cat /proc/loadavg) $(git rev-parse --short HEAD)" | tee $OUT/log.txt
GRAPH=on THREADS="1 2" ROUNDS=2 PEERS_PYTHON=/work/peers/bin/python bench/peers/run_seedfit_ab.sh > $OUT/seedfit-graph-on.txt 2>&1
echo "seedfit done $(date +%T) $(cat /proc/loadavg)" | tee -a $OUT/log.txt
VARIANTS="LAMINA_GEMM_MIN_PARALLEL=2097152 -" ROUNDS=2 REPEATS=5 WORKLOADS="stacked-lstm cifar-cnn digits-mlp seed-lstm" bench/peers/run_threads_matrix.sh > $OUT/matrix-ab.txt 2>&1
echo "matrix done $(date +%T) $(cat /proc/loadavg)" | tee -a $OUT/log.txt
for r in 1 2; do for t in 1 2; do for v in 2097152 16777216; do
  echo "round=$r threads=$t LAMINA_GEMM_MIN_PARALLEL=$v load=$(cut -d' ' -f1 /proc/loadavg)" >> $OUT/matmul-ab.txt
  LAMINA_CPU_THREADS=$t LAMINA_GEMM_MIN_PARALLEL=$v java -cp "$CP" dev.lamina.cli.Main bench matmul --backend cpu --sizes 128,160,200,256 --no-cublas 2>&1 | grep -v "^lamina" >> $OUT/matmul-ab.txt
done; done; done
echo "all done $(date +%T) $(cat /proc/loadavg)" | tee -a $OUT/log.txt
