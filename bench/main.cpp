// The benchmark binary's main(): also the entry of every new run of this program, which
// spawn, forkserver and the posix_spawn floor start from /proc/self/exe.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdlib>
#include <mp/process.hpp>

#include "bench_support.hpp"

int main(int argc, char** argv) {
  // The posix_spawn-self floor's child: loading this program is the whole cost measured.
  if (std::getenv(mp_bench::kExitAtOnceVariable) != nullptr) _exit(0);
#ifdef MP_HAS_START_METHODS
  // Before the arguments are parsed: a spawned child or the forkserver has our argv, and must
  // run its target (or serve) and exit here instead of running the benchmarks again.
  mp::freeze_support();
#endif
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
