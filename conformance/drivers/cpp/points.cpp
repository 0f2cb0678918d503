// A point is a named POSIX semaphore, named after the run: every process of the run meets
// on it whatever the start method (a spawned child opens it by name), no other run does, and
// nothing of the library under test is involved.
#include "points.hpp"

#include <fcntl.h>
#include <semaphore.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <system_error>

#include "driver.hpp"
#include "waiting.hpp"

namespace mpspec::points {
namespace {

// Opened once per process; a forked child keeps its parent's mappings, which stay valid.
sem_t* semaphore(const std::string& run, const std::string& point) {
  static std::map<std::string, sem_t*> opened;
  const std::string name = "/mpspec-" + run + "-" + point;
  auto it = opened.find(name);
  if (it == opened.end()) {
    sem_t* sem = sem_open(name.c_str(), O_CREAT, 0600, 0);
    if (sem == SEM_FAILED) throw std::system_error(errno, std::generic_category(), "sem_open");
    it = opened.emplace(name, sem).first;
  }
  return it->second;
}

timespec at(double seconds) {
  const double whole = std::floor(seconds);
  return timespec{.tv_sec = static_cast<time_t>(whole),
                  .tv_nsec = static_cast<long>((seconds - whole) * 1e9)};
}

// Seconds between looks at whether anyone is left (and whether the reaper ended the wait).
constexpr double kSlice = std::chrono::duration<double>(kWaitSlice).count();

// True when this process has no live child: its children (and theirs) are the only
// processes that could reach a point the main program awaits, so a start() that created
// nothing does not cost the case a whole timeout.
bool alone() {
  const std::string me = std::to_string(getpid());
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(entry.path() / "stat");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto close = text.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(text.substr(close + 2));
    std::string state;
    std::string ppid;
    rest >> state >> ppid;
    if (ppid == me && state != "Z") return false;
  }
  return true;
}

}  // namespace

void reach(const std::string& run, const std::string& point) {
  if (sem_post(semaphore(run, point)) != 0) {
    throw std::system_error(errno, std::generic_category(), "sem_post");
  }
}

bool await(const std::string& run, const std::string& point, double seconds, bool main) {
  sem_t* sem = semaphore(run, point);
  const Waiting waiting;
  const double deadline = monotonic() + seconds;
  for (;;) {
    const double now = monotonic();
    const double left = deadline - now;
    const timespec until = at(now + std::clamp(left, 0.0, kSlice));
    if (sem_clockwait(sem, CLOCK_MONOTONIC, &until) == 0) {
      sem_post(sem);  // reached stays reached: every other process awaiting it goes on too
      return true;
    }
    if ((errno != EINTR && errno != ETIMEDOUT) || left <= 0 || waiting.ended_by_reaper() ||
        (main && alone())) {
      return false;
    }
  }
}

}  // namespace mpspec::points
