// Shared pieces of the benchmarks.
#include "bench_support.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <ctime>
#include <fstream>
#include <string>

namespace mp_bench {
namespace {

std::int64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

std::size_t mem_available_bytes() {
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  std::size_t kib = 0;
  std::string unit;
  while (meminfo >> key >> kib >> unit) {
    if (key == "MemAvailable:") return kib * 1024;
  }
  return 0;
}

}  // namespace

SharedClock::SharedClock()
    : ns_(static_cast<std::int64_t*>(mmap(nullptr, sizeof(std::int64_t), PROT_READ | PROT_WRITE,
                                          MAP_SHARED | MAP_ANONYMOUS, -1, 0))) {}

SharedClock::~SharedClock() { munmap(ns_, sizeof(std::int64_t)); }

void SharedClock::set_now() const { *ns_ = now_ns(); }

double SharedClock::seconds_until_now() const { return static_cast<double>(now_ns() - *ns_) / 1e9; }

void sleep_briefly() {
  const timespec ts{.tv_sec = 0, .tv_nsec = 2'000'000};
  nanosleep(&ts, nullptr);
}

TouchedMemory::TouchedMemory(benchmark::State& state)
    : size_(static_cast<std::size_t>(state.range(0)) << 20) {
  // Twice the size plus 1 GiB to spare: the child shares the pages, but the machine must
  // stay usable for whatever else runs.
  if (mem_available_bytes() < 2 * size_ + (std::size_t{1} << 30)) {
    state.SkipWithError("not enough MemAvailable for this parent size");
    return;
  }
  data_ = static_cast<char*>(
      mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  if (data_ == MAP_FAILED) {
    data_ = nullptr;
    state.SkipWithError("mmap failed");
    return;
  }
  std::memset(data_, 1, size_);  // resident, not just reserved
}

TouchedMemory::~TouchedMemory() {
  if (data_ != nullptr) munmap(data_, size_);
}

void memory_sizes(benchmark::internal::Benchmark* b) {
  for (const int mib : {1, 64, 512, 2048}) b->Arg(mib);
  b->ArgName("parent_MiB");
}

}  // namespace mp_bench
