// Entry point of sf_bench_kernels. Counters report GFLOP/s; `machine_peak_gflops` (from the
// `steadfast machine` cache when present) lets each family report % of peak.
#include <benchmark/benchmark.h>

BENCHMARK_MAIN();
