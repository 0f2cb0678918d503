// Thin wrappers over the Linux calls the library uses: each says what it does on failure.
#ifndef MP_REFERENCE_SRC_SYS_HPP_
#define MP_REFERENCE_SRC_SYS_HPP_

#include <sys/types.h>

#include <cerrno>
#include <chrono>
#include <cstddef>
#include <optional>

namespace mp::detail {

// [[noreturn]]: throws std::system_error(errno) naming `call`.
[[noreturn]] void throw_errno(const char* call);

// True where pidfd_open works; false on kernels (and under valgrind) that say ENOSYS, and
// when MP_REFERENCE_PIPE_SENTINEL=1 asks for the fallback (tests use it to cover that path).
bool have_pidfd();

// pidfd_open(pid): a close-on-exec pidfd, or -1 with errno set.
int pidfd_open(pid_t pid);

// Sends `sig` through the pidfd when there is one, else to `pid`. The caller guarantees the
// process is an unreaped child (so its pid cannot have been recycled). Ignores ESRCH.
void send_signal(int pidfd, pid_t pid, int sig);

// Blocks until `fd` is readable or `deadline` has passed (no deadline: forever). Restarts
// after EINTR with the time left. Returns whether it became readable.
bool wait_readable(int fd, std::optional<std::chrono::steady_clock::time_point> deadline);

// Blocks until child `pid` has exited, without reaping it (waitid WNOWAIT), so only the
// caller that then holds the registry lock reaps it.
void wait_exited(pid_t pid);

// Reaps `pid` if it has exited: its exit code in CPython's form (n, or -signal), or nullopt
// if it still runs or is not our child (ECHILD).
std::optional<int> try_reap(pid_t pid);

// Closes fds[0..n), sorted ascending, with one close_range per run of consecutive numbers
// (a close() loop where close_range is missing). Allocates nothing: safe right after fork.
void close_sorted_fds(const int* fds, std::size_t n);

// close() that keeps errno and ignores EINTR (Linux closes the fd anyway).
void close_fd(int fd);

// Flushes C stdio's and iostreams' stdout and stderr.
void flush_std_streams();

// Moves `size` bytes with `io(from)`, a write, send, recv or pread of the bytes from offset
// `from` that returns what that call returns, calling it again after a short transfer or
// EINTR. Returns how many bytes moved: `size`, or fewer when a call returned 0 (errno is
// then 0: end of file, or nothing written) or failed (errno says why).
template <class Io>
std::size_t transfer_all(std::size_t size, Io io) {
  std::size_t done = 0;
  while (done < size) {
    errno = 0;
    const ssize_t n = io(done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  return done;
}

}  // namespace mp::detail

#endif  // MP_REFERENCE_SRC_SYS_HPP_
