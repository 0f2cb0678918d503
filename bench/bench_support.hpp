// Shared pieces of the benchmarks: a clock stamp a child can set for its parent, a parent
// whose resident memory has been grown, and the sizes measured.
#ifndef MP_BENCH_BENCH_SUPPORT_HPP_
#define MP_BENCH_BENCH_SUPPORT_HPP_

#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>

namespace mp_bench {

// A CLOCK_MONOTONIC stamp in a MAP_SHARED page: the child stamps just before it exits, the
// parent reads it when its wait returns, so the wake-up latency is measured across processes.
class SharedClock {
 public:
  SharedClock();
  ~SharedClock();
  SharedClock(const SharedClock&) = delete;
  SharedClock& operator=(const SharedClock&) = delete;
  void set_now() const;
  [[nodiscard]] double seconds_until_now() const;

 private:
  std::int64_t* ns_;
};

// Sleeps 2 ms: long enough for the parent to be blocked in its wait before the child exits.
void sleep_briefly();

// state.range(0) MiB allocated and every page written, for as long as the object lives;
// skips the benchmark (SkipWithError) when MemAvailable cannot hold it comfortably.
class TouchedMemory {
 public:
  explicit TouchedMemory(benchmark::State& state);
  ~TouchedMemory();
  TouchedMemory(const TouchedMemory&) = delete;
  TouchedMemory& operator=(const TouchedMemory&) = delete;
  [[nodiscard]] bool ok() const { return data_ != nullptr; }

 private:
  char* data_ = nullptr;
  std::size_t size_ = 0;
};

// Parent memory sizes in MiB: 1, 64, 512 and 2048.
void memory_sizes(benchmark::internal::Benchmark* b);

// Set in the environment of a new run of this program that main() ends at once, so the
// posix_spawn-self floor costs what loading the same executable costs and nothing else.
inline constexpr const char* kExitAtOnceVariable = "MP_BENCH_EXIT_AT_ONCE";

}  // namespace mp_bench

#endif  // MP_BENCH_BENCH_SUPPORT_HPP_
