// The physical floors, measured in the same binary as the implementation: what starting and
// reaping a child costs with the raw system calls and nothing else.
#include <benchmark/benchmark.h>
#include <linux/sched.h>
#include <poll.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "bench_support.hpp"

extern char** environ;

namespace {

// What a pidfd-based wait costs: poll until the child has exited, then reap it.
void poll_then_reap(int pidfd, pid_t pid) {
  pollfd p{.fd = pidfd, .events = POLLIN, .revents = 0};
  poll(&p, 1, -1);
  siginfo_t info{};
  waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED);
}

void BM_Floor_ForkWaitpid(benchmark::State& state) {
  for (auto _ : state) {
    const pid_t pid = fork();
    if (pid == 0) _exit(0);
    waitpid(pid, nullptr, 0);
  }
}

void BM_Floor_ForkPidfdPollWaitid(benchmark::State& state) {
  for (auto _ : state) {
    const pid_t pid = fork();
    if (pid == 0) _exit(0);
    const int fd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
    poll_then_reap(fd, static_cast<pid_t>(pid));
    close(fd);
  }
}

void BM_Floor_Clone3Pidfd(benchmark::State& state) {
  for (auto _ : state) {
    int fd = -1;
    clone_args args{};
    args.flags = CLONE_PIDFD;
    args.pidfd = reinterpret_cast<std::uint64_t>(&fd);
    args.exit_signal = SIGCHLD;
    // The child only makes the exit system call: nothing of glibc's state is touched.
    const long pid = syscall(SYS_clone3, &args, sizeof args);
    if (pid == 0) syscall(SYS_exit, 0);
    if (pid < 0) {
      state.SkipWithError("clone3 failed (ENOSYS under valgrind or old kernels)");
      return;
    }
    poll_then_reap(fd, static_cast<pid_t>(pid));
    close(fd);
  }
}

void BM_Floor_VforkExit(benchmark::State& state) {
  for (auto _ : state) {
    const pid_t pid = vfork();
    if (pid == 0) _exit(0);
    waitpid(pid, nullptr, 0);
  }
}

void BM_Floor_PosixSpawnHelper(benchmark::State& state) {
  char* argv[] = {const_cast<char*>(MP_BENCH_NOOP_HELPER), nullptr};
  for (auto _ : state) {
    pid_t pid = 0;
    if (posix_spawn(&pid, MP_BENCH_NOOP_HELPER, nullptr, nullptr, argv, environ) != 0) {
      state.SkipWithError("posix_spawn failed");
      return;
    }
    waitpid(pid, nullptr, 0);
  }
}

// What spawn cannot go below: posix_spawn of this very executable (its size, its libraries,
// its static initializers) and the wait, the new run ending first thing in main().
void posix_spawn_self_wait(benchmark::State& state) {
  static char exe[] = "/proc/self/exe";
  char* argv[] = {exe, nullptr};
  static std::string marker = std::string(mp_bench::kExitAtOnceVariable) + "=1";
  std::vector<char*> envp;
  for (char** e = environ; *e != nullptr; ++e) envp.push_back(*e);
  envp.push_back(marker.data());
  envp.push_back(nullptr);
  for ([[maybe_unused]] auto _ : state) {
    pid_t pid = 0;
    if (posix_spawn(&pid, exe, nullptr, nullptr, argv, envp.data()) != 0) {
      state.SkipWithError("posix_spawn of /proc/self/exe failed");
      return;
    }
    waitpid(pid, nullptr, 0);
  }
}

void BM_Floor_PosixSpawnSelf(benchmark::State& state) { posix_spawn_self_wait(state); }

void BM_Floor_ThreadCreateJoin(benchmark::State& state) {
  for (auto _ : state) std::thread([] {}).join();
}

// Wake-up floor: the child stamps the clock and exits while we wait in poll on its pidfd.
void BM_Floor_PidfdWakeup(benchmark::State& state) {
  mp_bench::SharedClock stamp;
  for (auto _ : state) {
    const pid_t pid = fork();
    if (pid == 0) {
      mp_bench::sleep_briefly();  // let the parent block first
      stamp.set_now();
      _exit(0);
    }
    const int fd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
    poll_then_reap(fd, static_cast<pid_t>(pid));
    state.SetIterationTime(stamp.seconds_until_now());
    close(fd);
  }
}

// N children forked, then all reaped: the per-child floor of a batch.
void BM_Floor_BatchFork(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  std::vector<pid_t> pids(n);
  for (auto _ : state) {
    for (auto& pid : pids) {
      pid = fork();
      if (pid == 0) _exit(0);
    }
    for (const pid_t pid : pids) waitpid(pid, nullptr, 0);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(n));
}

// The same batch holding a pidfd per child, as any pidfd-based library must: every fork
// copies a growing fd table, and (to leak none) every child closes its siblings' pidfds.
void BM_Floor_BatchForkPidfd(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  std::vector<pid_t> pids(n);
  std::vector<int> fds(n);
  for (auto _ : state) {
    for (std::size_t i = 0; i < n; ++i) {
      pids[i] = fork();
      if (pids[i] == 0) {
        if (i > 0) syscall(SYS_close_range, fds[0], fds[i - 1], 0U);
        _exit(0);
      }
      fds[i] = static_cast<int>(syscall(SYS_pidfd_open, pids[i], 0));
    }
    for (std::size_t i = 0; i < n; ++i) {
      siginfo_t info{};
      waitid(P_PID, static_cast<id_t>(pids[i]), &info, WEXITED);
      close(fds[i]);
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(n));
}

void BM_Floor_ForkWaitpid_ParentMemory(benchmark::State& state) {
  const mp_bench::TouchedMemory memory(state);
  if (!memory.ok()) return;
  for (auto _ : state) {
    const pid_t pid = fork();
    if (pid == 0) _exit(0);
    waitpid(pid, nullptr, 0);
  }
}

void BM_Floor_PosixSpawnSelf_ParentMemory(benchmark::State& state) {
  const mp_bench::TouchedMemory memory(state);
  if (!memory.ok()) return;
  posix_spawn_self_wait(state);
}

}  // namespace

BENCHMARK(BM_Floor_ForkWaitpid)->UseRealTime();
BENCHMARK(BM_Floor_ForkPidfdPollWaitid)->UseRealTime();
BENCHMARK(BM_Floor_Clone3Pidfd)->UseRealTime();
BENCHMARK(BM_Floor_VforkExit)->UseRealTime();
BENCHMARK(BM_Floor_PosixSpawnHelper)->UseRealTime();
BENCHMARK(BM_Floor_PosixSpawnSelf)->UseRealTime();
BENCHMARK(BM_Floor_ThreadCreateJoin)->UseRealTime();
BENCHMARK(BM_Floor_PidfdWakeup)->UseManualTime();
BENCHMARK(BM_Floor_BatchFork)->RangeMultiplier(4)->Range(1, 1024)->UseRealTime();
BENCHMARK(BM_Floor_BatchForkPidfd)->RangeMultiplier(4)->Range(1, 1024)->UseRealTime();
BENCHMARK(BM_Floor_ForkWaitpid_ParentMemory)->Apply(mp_bench::memory_sizes)->UseRealTime();
BENCHMARK(BM_Floor_PosixSpawnSelf_ParentMemory)->Apply(mp_bench::memory_sizes)->UseRealTime();
