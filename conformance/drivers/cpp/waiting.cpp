#include "waiting.hpp"

#include <fcntl.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cstdlib>

namespace mpspec {
namespace {

// What the reaper last wrote into the stall file ("" while it has written nothing). Read
// with plain system calls: a wait looks every 50 ms.
std::string generation() {
  const char* path = std::getenv("MPSPEC_STALL_PATH");
  if (path == nullptr) return {};
  const int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  std::array<char, 32> text{};
  const ssize_t n = read(fd, text.data(), text.size());
  close(fd);
  return n > 0 ? std::string(text.data(), static_cast<size_t>(n)) : std::string();
}

}  // namespace

Waiting::Waiting() : generation_(generation()) {
  had_name_ = prctl(PR_GET_NAME, name_.data(), 0, 0, 0) == 0;
  prctl(PR_SET_NAME, kWaitingName, 0, 0, 0);
}

Waiting::~Waiting() {
  if (had_name_) prctl(PR_SET_NAME, name_.data(), 0, 0, 0);
}

bool Waiting::ended_by_reaper() const { return generation() != generation_; }

}  // namespace mpspec
