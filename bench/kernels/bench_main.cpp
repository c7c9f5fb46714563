// Entry point of sf_bench_kernels. Counters report GFLOP/s; bench_util.hpp's
// `machine_peak_gflops` / `report_gflops` (from the `steadfast machine` cache, probing once when
// there is none) let each family report % of peak.
#include <benchmark/benchmark.h>

BENCHMARK_MAIN();
