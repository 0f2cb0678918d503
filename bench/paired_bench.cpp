// Paired benchmarks: every iteration times the floor and the implementation back to back,
// alternating which goes first, so the machine's drift during a run (frequency, steal time
// on a VM) hits both alike. The report's headline ratios come from these counters.
#include <benchmark/benchmark.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <mp/process.hpp>
#include <vector>

#include "bench_support.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

template <class F>
double timed(F&& f) {
  const auto start = Clock::now();
  f();
  return seconds(Clock::now() - start);
}

// Runs floor() and impl() once per iteration, in alternating order, and reports the mean of
// each (floor_s, impl_s) and their ratio. Manual time is the implementation's.
template <class Floor, class Impl>
void paired(benchmark::State& state, Floor floor, Impl impl) {
  double floor_total = 0;
  double impl_total = 0;
  bool floor_first = true;
  for (auto _ : state) {
    double f = 0;
    double i = 0;
    if (floor_first) {
      f = floor();
      i = impl();
    } else {
      i = impl();
      f = floor();
    }
    floor_first = !floor_first;
    floor_total += f;
    impl_total += i;
    state.SetIterationTime(i);
  }
  const auto n = static_cast<double>(state.iterations());
  state.counters["floor_s"] = floor_total / n;
  state.counters["impl_s"] = impl_total / n;
  state.counters["ratio"] = impl_total / floor_total;
}

void BM_Paired_StartJoin_vs_ForkWaitpid(benchmark::State& state) {
  paired(
      state,
      [] {
        return timed([] {
          const pid_t pid = fork();
          if (pid == 0) _exit(0);
          waitpid(pid, nullptr, 0);
        });
      },
      [] {
        return timed([] {
          mp::Process p([] {});
          p.start();
          p.join();
        });
      });
}

void BM_Paired_JoinWakeup_vs_Waitpid(benchmark::State& state) {
  const mp_bench::SharedClock stamp;
  paired(
      state,
      [&stamp] {
        const pid_t pid = fork();
        if (pid == 0) {
          mp_bench::sleep_briefly();
          stamp.set_now();
          _exit(0);
        }
        waitpid(pid, nullptr, 0);
        return stamp.seconds_until_now();
      },
      [&stamp] {
        mp::Process p([&stamp] {
          mp_bench::sleep_briefly();
          stamp.set_now();
        });
        p.start();
        p.join();
        return stamp.seconds_until_now();
      });
}

void BM_Paired_Batch1024_vs_BatchFork(benchmark::State& state) {
  constexpr std::size_t kChildren = 1024;
  paired(
      state,
      [] {
        std::vector<pid_t> pids(kChildren);
        return timed([&pids] {
                 for (auto& pid : pids) {
                   pid = fork();
                   if (pid == 0) _exit(0);
                 }
                 for (const pid_t pid : pids) waitpid(pid, nullptr, 0);
               }) /
               kChildren;
      },
      [] {
        std::vector<mp::Process> children(kChildren, mp::Process());
        return timed([&children] {
                 for (auto& child : children) {
                   child = mp::Process([] {});
                   child.start();
                 }
                 for (auto& child : children) child.join();
               }) /
               kChildren;
      });
}

}  // namespace

BENCHMARK(BM_Paired_StartJoin_vs_ForkWaitpid)->UseManualTime();
BENCHMARK(BM_Paired_JoinWakeup_vs_Waitpid)->UseManualTime();
BENCHMARK(BM_Paired_Batch1024_vs_BatchFork)->UseManualTime()->Iterations(3);
