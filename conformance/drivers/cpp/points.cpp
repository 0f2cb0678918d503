// A point is a named POSIX semaphore, named after the run: every process of the run meets
// on it whatever the start method (a spawned child opens it by name), no other run does, and
// nothing of the library under test is involved.
#include "points.hpp"

#include <fcntl.h>
#include <semaphore.h>
#include <time.h>

#include <cerrno>
#include <cmath>
#include <map>
#include <system_error>

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

}  // namespace

void reach(const std::string& run, const std::string& point) {
  if (sem_post(semaphore(run, point)) != 0) {
    throw std::system_error(errno, std::generic_category(), "sem_post");
  }
}

bool await(const std::string& run, const std::string& point, double seconds) {
  sem_t* sem = semaphore(run, point);
  timespec deadline{};
  clock_gettime(CLOCK_MONOTONIC, &deadline);
  const double whole = std::floor(seconds);
  deadline.tv_sec += static_cast<time_t>(whole);
  deadline.tv_nsec += static_cast<long>((seconds - whole) * 1e9);
  if (deadline.tv_nsec >= 1000000000L) {
    deadline.tv_sec += 1;
    deadline.tv_nsec -= 1000000000L;
  }
  while (sem_clockwait(sem, CLOCK_MONOTONIC, &deadline) != 0) {
    if (errno != EINTR) return false;
  }
  sem_post(sem);  // reached stays reached: every other process awaiting it goes on too
  return true;
}

}  // namespace mpspec::points
