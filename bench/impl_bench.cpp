// The implementation under test, through the mp API only (so a student's directory builds
// into the same binary). Each benchmark has its floor in floors.cpp.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <chrono>
#include <mp/process.hpp>
#include <vector>

#include "bench_support.hpp"

namespace {

// A child that blocks until the parent lets it go: "running" without sleeping.
class Gate {
 public:
  Gate() {
    if (pipe(fds_) != 0) fds_[0] = fds_[1] = -1;
  }
  ~Gate() {
    open();
    close(fds_[0]);
  }
  Gate(const Gate&) = delete;
  Gate& operator=(const Gate&) = delete;
  void pass() const {  // in the child
    close(fds_[1]);
    char c = 0;
    while (read(fds_[0], &c, 1) > 0) {
    }
  }
  void open() {  // in the parent
    if (fds_[1] >= 0) close(fds_[1]);
    fds_[1] = -1;
  }

 private:
  int fds_[2] = {-1, -1};
};

void BM_Mp_StartJoin(benchmark::State& state) {
  for (auto _ : state) {
    mp::Process p([] {});
    p.start();
    p.join();
  }
}

void BM_Mp_JoinWakeup(benchmark::State& state) {
  mp_bench::SharedClock stamp;
  for (auto _ : state) {
    mp::Process p([&stamp] {
      mp_bench::sleep_briefly();  // let the parent block in join first
      stamp.set_now();
    });
    p.start();
    p.join();
    state.SetIterationTime(stamp.seconds_until_now());
  }
}

void BM_Mp_JoinTimeoutOvershoot(benchmark::State& state) {
  Gate gate;
  mp::Process p([&gate] { gate.pass(); });
  p.start();
  constexpr auto kTimeout = std::chrono::milliseconds(1);
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    p.join(kTimeout);
    const std::chrono::duration<double> waited = std::chrono::steady_clock::now() - start;
    state.SetIterationTime(std::max(0.0, waited.count() - 0.001));
  }
  gate.open();
  p.join();
}

void BM_Mp_TerminateJoin(benchmark::State& state) {
  for (auto _ : state) {
    state.PauseTiming();
    int ready[2];
    if (pipe(ready) != 0) {
      state.SkipWithError("pipe failed");
      return;
    }
    mp::Process p([&ready] {
      close(ready[0]);
      const char c = 1;
      (void)write(ready[1], &c, 1);
      pause();
    });
    p.start();
    close(ready[1]);
    char c = 0;
    (void)read(ready[0], &c, 1);  // the child is in its target, not still starting
    close(ready[0]);
    state.ResumeTiming();
    p.terminate();
    p.join();
  }
}

void BM_Mp_IsAliveRunning(benchmark::State& state) {
  Gate gate;
  mp::Process p([&gate] { gate.pass(); });
  p.start();
  for (auto _ : state) benchmark::DoNotOptimize(p.is_alive());
  gate.open();
  p.join();
}

void BM_Mp_BatchStartJoin(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  for (auto _ : state) {
    std::vector<mp::Process> children(n, mp::Process());
    for (auto& child : children) {
      child = mp::Process([] {});
      child.start();
    }
    for (auto& child : children) child.join();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(n));
}

void BM_Mp_StartJoin_ParentMemory(benchmark::State& state) {
  const mp_bench::TouchedMemory memory(state);
  if (!memory.ok()) return;
  for (auto _ : state) {
    mp::Process p([] {});
    p.start();
    p.join();
  }
}

#ifdef MP_HAS_START_METHODS
// The start method for one benchmark, set with force (the method is fixed by the first
// start()) and put back to fork however the benchmark returns, so the fork benchmarks that
// run after it are not measured under another method.
class StartMethodFor {
 public:
  explicit StartMethodFor(mp::StartMethod method) { mp::set_start_method(method, true); }
  ~StartMethodFor() { mp::set_start_method(mp::StartMethod::fork, true); }
  StartMethodFor(const StartMethodFor&) = delete;
  StartMethodFor& operator=(const StartMethodFor&) = delete;
};

void start_join_noop() {
  mp::Process p(+[] {});
  p.start();
  p.join();
}

void start_join_under(benchmark::State& state, mp::StartMethod method) {
  const StartMethodFor chosen(method);
  // Untimed: the forkserver's server is spawned on first use, a cost paid once per program
  // rather than per child, so it is kept out of the per-child numbers.
  if (method == mp::StartMethod::forkserver) start_join_noop();
  for ([[maybe_unused]] auto _ : state) start_join_noop();
}

void BM_Mp_StartJoin_Spawn(benchmark::State& state) {
  start_join_under(state, mp::StartMethod::spawn);
}

void BM_Mp_StartJoin_Forkserver(benchmark::State& state) {
  start_join_under(state, mp::StartMethod::forkserver);
}

void BM_Mp_StartJoin_Spawn_ParentMemory(benchmark::State& state) {
  const mp_bench::TouchedMemory memory(state);
  if (!memory.ok()) return;
  start_join_under(state, mp::StartMethod::spawn);
}

void BM_Mp_StartJoin_Forkserver_ParentMemory(benchmark::State& state) {
  const mp_bench::TouchedMemory memory(state);
  if (!memory.ok()) return;
  start_join_under(state, mp::StartMethod::forkserver);
}
#endif  // MP_HAS_START_METHODS

}  // namespace

BENCHMARK(BM_Mp_StartJoin)->UseRealTime();
BENCHMARK(BM_Mp_JoinWakeup)->UseManualTime();
BENCHMARK(BM_Mp_JoinTimeoutOvershoot)->UseManualTime();
BENCHMARK(BM_Mp_TerminateJoin)->UseRealTime();
BENCHMARK(BM_Mp_IsAliveRunning)->UseRealTime();
BENCHMARK(BM_Mp_BatchStartJoin)->RangeMultiplier(4)->Range(1, 1024)->UseRealTime();
BENCHMARK(BM_Mp_StartJoin_ParentMemory)->Apply(mp_bench::memory_sizes)->UseRealTime();
#ifdef MP_HAS_START_METHODS
BENCHMARK(BM_Mp_StartJoin_Spawn)->UseRealTime();
BENCHMARK(BM_Mp_StartJoin_Forkserver)->UseRealTime();
BENCHMARK(BM_Mp_StartJoin_Spawn_ParentMemory)->Apply(mp_bench::memory_sizes)->UseRealTime();
BENCHMARK(BM_Mp_StartJoin_Forkserver_ParentMemory)->Apply(mp_bench::memory_sizes)->UseRealTime();
#endif
