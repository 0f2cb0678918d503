// Linux system calls behind sys.hpp: pidfds, waitid and ppoll.
#include <poll.h>
#include <stdio_ext.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ext/stdio_sync_filebuf.h>
#include <iostream>
#include <system_error>

#include "sys.hpp"

namespace mp::detail {

void throw_errno(const char* call) { throw std::system_error(errno, std::system_category(), call); }

int pidfd_open(pid_t pid) {
  // glibc 2.36 has no wrapper in every distribution; the raw call is stable ABI.
  return static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
}

bool have_pidfd() {
  static const bool answer = [] {
    const char* force = std::getenv("MP_REFERENCE_PIPE_SENTINEL");
    if (force != nullptr && std::strcmp(force, "1") == 0) return false;
    const int fd = pidfd_open(getpid());
    if (fd < 0) return errno != ENOSYS;  // other errors (EMFILE) are not about support
    close_fd(fd);
    return true;
  }();
  return answer;
}

void send_signal(int pidfd, pid_t pid, int sig) {
  if (pidfd >= 0 && have_pidfd()) {
    if (syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0) != 0 && errno != ESRCH) {
      throw_errno("pidfd_send_signal");
    }
  } else if (::kill(pid, sig) != 0 && errno != ESRCH) {
    throw_errno("kill");
  }
}

bool wait_readable(int fd, std::optional<std::chrono::steady_clock::time_point> deadline) {
  pollfd p{.fd = fd, .events = POLLIN, .revents = 0};
  for (;;) {
    timespec ts{};
    timespec* timeout = nullptr;
    if (deadline) {
      const auto left = *deadline - std::chrono::steady_clock::now();
      const auto ns = std::max<std::int64_t>(0, std::chrono::nanoseconds(left).count());
      ts.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
      ts.tv_nsec = static_cast<long>(ns % 1'000'000'000);
      timeout = &ts;
    }
    // ppoll, not poll: nanosecond timeouts, so join(t) neither rounds t up to a millisecond
    // nor returns early.
    const int n = ppoll(&p, 1, timeout, nullptr);
    if (n > 0) return true;
    if (n == 0) return false;
    if (errno != EINTR) throw_errno("ppoll");
  }
}

void wait_exited(pid_t pid) {
  siginfo_t info{};
  while (waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT) != 0) {
    if (errno == ECHILD) return;  // reaped by someone else: try_reap will say so
    if (errno != EINTR) throw_errno("waitid");
  }
}

std::optional<int> try_reap(pid_t pid) {
  siginfo_t info{};
  for (;;) {
    if (waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG) == 0) break;
    if (errno == ECHILD) return std::nullopt;
    if (errno != EINTR) throw_errno("waitid");
  }
  if (info.si_pid == 0) return std::nullopt;  // still running
  // CPython's os.waitstatus_to_exitcode: the exit status, or minus the signal number.
  return info.si_code == CLD_EXITED ? info.si_status : -info.si_status;
}

void close_sorted_fds(const int* fds, std::size_t n) {
  for (std::size_t i = 0; i < n;) {
    std::size_t j = i;
    while (j + 1 < n && fds[j + 1] == fds[j] + 1) ++j;
    const auto first = static_cast<unsigned>(fds[i]);
    const auto last = static_cast<unsigned>(fds[j]);
    if (syscall(SYS_close_range, first, last, 0U) != 0) {
      for (std::size_t k = i; k <= j; ++k) close_fd(fds[k]);  // ENOSYS: kernel < 5.9, valgrind
    }
    i = j + 1;
  }
}

void close_fd(int fd) {
  const int saved = errno;
  ::close(fd);
  errno = saved;
}

namespace {

// With sync_with_stdio(true), the default, an iostream writes straight into the C stream,
// so flushing that covers it. Otherwise it keeps its own buffer and must be flushed itself.
void flush_unless_synced(std::ostream& stream) {
  if (dynamic_cast<__gnu_cxx::stdio_sync_filebuf<char>*>(stream.rdbuf()) == nullptr) {
    stream.flush();
  }
}

// fflush only when something is pending: even an empty fflush writes the FILE's lock, and
// in a fresh child every page written is a copy-on-write fault on the exit path.
void flush_if_pending(FILE* file) {
  if (__fpending(file) > 0) std::fflush(file);
}

}  // namespace

void flush_std_streams() {
  flush_unless_synced(std::cout);
  flush_unless_synced(std::clog);
  flush_unless_synced(std::cerr);
  flush_if_pending(stdout);
  flush_if_pending(stderr);
}

}  // namespace mp::detail
