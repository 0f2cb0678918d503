// The forkserver: a new run of the program, started on first use, that forks children on
// request, so a start costs the same whatever the size of the main program.
#ifndef MP_REFERENCE_SRC_FORKSERVER_HPP_
#define MP_REFERENCE_SRC_FORKSERVER_HPP_

#include <sys/types.h>

#include <optional>
#include <string>

namespace mp::detail {

// The environment variable that tells a new run of the program it is the forkserver: the
// number of its end of the connection. freeze_support() removes it.
inline constexpr const char* kForkserverFdVariable = "MP_FORKSERVER_FD";

// A child the server forked: its pid, the pipe on which the server writes its exit code once
// it has reaped it (closed right after, so it is the child's sentinel), and its pidfd (-1
// where pidfds are missing).
struct ServedChild {
  pid_t pid = 0;
  int status_fd = -1;
  int pidfd = -1;
};

// With the registry lock held: asks the server (spawning it on first use) to fork a child
// that runs `message` (a SpawnMessage). Throws std::system_error if the server cannot be
// started or reached, or if its fork failed.
ServedChild serve_child_locked(const std::string& message);

// The exit code a server wrote on `status_fd`: nullopt while nothing is there yet; 255 if the
// server went away without writing one (as CPython's forkserver Popen says).
std::optional<int> read_served_status(int status_fd);

// In the server's run: serves the connection `fd` until the main program closes it, then
// exits. Never returns.
[[noreturn]] void run_forkserver(int fd);

// At the main program's exit, once its children are joined: closes the connection, so the
// server exits, and reaps it. Does nothing if no server was started.
void stop_forkserver() noexcept;

}  // namespace mp::detail

#endif  // MP_REFERENCE_SRC_FORKSERVER_HPP_
