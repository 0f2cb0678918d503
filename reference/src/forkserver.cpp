// The forkserver, both ends: the main program's requests and the server's loop.
//
// The connection is a Unix stream socket. A request is a length and a SpawnMessage; the reply
// is the child's pid (or minus the errno of a failed fork) with, as SCM_RIGHTS, the read end
// of the child's status pipe and its pidfd. Only the server can reap its children, so it
// writes each one's exit code on its status pipe, as CPython's forkserver does.
#include "forkserver.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <map>
#include <mutex>
#include <system_error>

#include "spawn.hpp"
#include "spawn_message.hpp"
#include "sys.hpp"

namespace mp::detail {
namespace {

// The main program's connection to its server, made on first use.
struct Connection {
  std::mutex mutex;  // one request at a time
  pid_t owner = 0;   // the process that started the server: a fork child starts its own
  pid_t server = 0;
  int fd = -1;
};

Connection& connection() {
  static Connection c;
  return c;
}

[[noreturn]] void fail(const char* what, int error) {
  throw std::system_error(error, std::generic_category(), what);
}

bool send_all(int fd, const void* data, std::size_t size) {
  const auto* bytes = static_cast<const char*>(data);
  return transfer_all(size, [&](std::size_t from) {
           return send(fd, bytes + from, size - from, MSG_NOSIGNAL);
         }) == size;
}

bool recv_all(int fd, void* data, std::size_t size) {
  auto* bytes = static_cast<char*>(data);
  return transfer_all(size, [&](std::size_t from) {
           return recv(fd, bytes + from, size - from, 0);
         }) == size;
}

// A pid or -errno, with up to two descriptors.
void send_reply(int fd, std::int32_t pid, const std::array<int, 2>& fds) {
  iovec data{.iov_base = &pid, .iov_len = sizeof pid};
  alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof(int) * 2)> control{};
  msghdr header{};
  header.msg_iov = &data;
  header.msg_iovlen = 1;
  const int count = fds[0] < 0 ? 0 : fds[1] < 0 ? 1 : 2;
  if (count > 0) {
    header.msg_control = control.data();
    header.msg_controllen = CMSG_SPACE(sizeof(int) * count);
    cmsghdr* c = CMSG_FIRSTHDR(&header);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * count);
    std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * count);
  }
  while (sendmsg(fd, &header, MSG_NOSIGNAL) < 0 && errno == EINTR) {
  }
}

// The reply: pid (or -errno) and the descriptors, received close-on-exec.
bool receive_reply(int fd, std::int32_t& pid, std::array<int, 2>& fds) {
  iovec data{.iov_base = &pid, .iov_len = sizeof pid};
  alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof(int) * 2)> control{};
  msghdr header{};
  header.msg_iov = &data;
  header.msg_iovlen = 1;
  header.msg_control = control.data();
  header.msg_controllen = control.size();
  ssize_t n = 0;
  do {
    n = recvmsg(fd, &header, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n != sizeof pid) return false;
  fds = {-1, -1};
  for (cmsghdr* c = CMSG_FIRSTHDR(&header); c != nullptr; c = CMSG_NXTHDR(&header, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    const std::size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    std::memcpy(fds.data(), CMSG_DATA(c), sizeof(int) * std::min<std::size_t>(count, 2));
  }
  return true;
}

void start_server_locked(Connection& c) {
  std::array<int, 2> ends{};
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends.data()) != 0) {
    throw_errno("socketpair");
  }
  const pid_t pid = spawn_new_run(kForkserverFdVariable, ends[1], -1);
  const int error = errno;
  close_fd(ends[1]);
  if (pid == 0) {
    close_fd(ends[0]);
    fail("posix_spawn (forkserver)", error);
  }
  c.owner = getpid();
  c.server = pid;
  c.fd = ends[0];
}

// ---- the server's side ---------------------------------------------------------------------

int exit_code_of(int status) {
  return WIFSIGNALED(status) ? -WTERMSIG(status) : WEXITSTATUS(status);
}

// Reaps every child that ended and writes its code on its status pipe.
void reap(std::map<pid_t, int>& status_pipes) {
  int status = 0;
  pid_t pid = 0;
  while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
    const auto it = status_pipes.find(pid);
    if (it == status_pipes.end()) continue;
    const std::int32_t code = exit_code_of(status);
    while (write(it->second, &code, sizeof code) < 0 && errno == EINTR) {
    }
    close_fd(it->second);
    status_pipes.erase(it);
  }
}

// Forks the child of one request and replies.
void serve_one(int fd, int signals, std::map<pid_t, int>& status_pipes, const std::string& bytes,
               const sigset_t& old_mask) {
  std::array<int, 2> status{};
  if (pipe2(status.data(), O_CLOEXEC) != 0) {
    send_reply(fd, -errno, {-1, -1});
    return;
  }
  const pid_t pid = fork();
  if (pid == 0) {
    // The child: none of the server's descriptors, its signals as they were.
    close_fd(fd);
    close_fd(signals);
    close_fd(status[0]);
    close_fd(status[1]);
    for (const auto& [other, pipe_fd] : status_pipes) close_fd(pipe_fd);
    std::signal(SIGINT, SIG_DFL);
    sigprocmask(SIG_SETMASK, &old_mask, nullptr);
    SpawnMessage m;
    try {
      m = decode_spawn_message(bytes);
    } catch (...) {
      _exit(1);
    }
    become_child_and_run(m, true);
  }
  if (pid < 0) {
    const int error = errno;
    close_fd(status[0]);
    close_fd(status[1]);
    send_reply(fd, -error, {-1, -1});
    return;
  }
  status_pipes[pid] = status[1];
  // Opened before we can reap it, so it is this child's whatever happens to the pid later.
  const int pidfd = have_pidfd() ? pidfd_open(pid) : -1;
  send_reply(fd, pid, {status[0], pidfd});
  close_fd(status[0]);
  if (pidfd >= 0) close_fd(pidfd);
}

}  // namespace

ServedChild serve_child_locked(const std::string& message) {
  Connection& c = connection();
  std::lock_guard lock(c.mutex);
  if (c.fd >= 0 && c.owner != getpid()) {  // our fork parent's server: not ours to use
    close_fd(c.fd);
    c.fd = -1;
  }
  if (c.fd < 0) start_server_locked(c);
  const std::uint64_t size = message.size();
  std::int32_t pid = 0;
  std::array<int, 2> fds{-1, -1};
  if (!send_all(c.fd, &size, sizeof size) || !send_all(c.fd, message.data(), message.size()) ||
      !receive_reply(c.fd, pid, fds)) {
    fail("forkserver connection", errno != 0 ? errno : EPIPE);
  }
  if (pid <= 0 || fds[0] < 0) {
    for (const int fd : fds) {
      if (fd >= 0) close_fd(fd);
    }
    fail("fork (forkserver)", pid < 0 ? -pid : EPROTO);
  }
  return {.pid = pid, .status_fd = fds[0], .pidfd = fds[1]};
}

std::optional<int> read_served_status(int status_fd) {
  pollfd p{.fd = status_fd, .events = POLLIN, .revents = 0};
  if (poll(&p, 1, 0) <= 0) return std::nullopt;
  std::int32_t code = 0;
  ssize_t n = 0;
  do {
    n = read(status_fd, &code, sizeof code);
  } while (n < 0 && errno == EINTR);
  return n == sizeof code ? code : 255;
}

void run_forkserver(int fd) {
  // Ctrl-C reaches the whole process group: the server outlives it, as CPython's does, so
  // that the main program decides what ends.
  std::signal(SIGINT, SIG_IGN);
  sigset_t children{};
  sigset_t old_mask{};
  sigemptyset(&children);
  sigaddset(&children, SIGCHLD);
  sigprocmask(SIG_BLOCK, &children, &old_mask);
  const int signals = signalfd(-1, &children, SFD_CLOEXEC | SFD_NONBLOCK);
  std::map<pid_t, int> status_pipes;
  for (;;) {
    std::array<pollfd, 2> watch{pollfd{.fd = fd, .events = POLLIN, .revents = 0},
                                pollfd{.fd = signals, .events = POLLIN, .revents = 0}};
    if (poll(watch.data(), watch.size(), -1) < 0) {
      if (errno == EINTR) continue;
      _exit(1);
    }
    if (watch[1].revents != 0) {
      signalfd_siginfo info{};
      while (read(signals, &info, sizeof info) > 0) {
      }
      reap(status_pipes);
    }
    if (watch[0].revents == 0) continue;
    std::uint64_t size = 0;
    if (!recv_all(fd, &size, sizeof size)) _exit(0);  // the main program has gone
    std::string bytes(size, '\0');
    if (!recv_all(fd, bytes.data(), bytes.size())) _exit(0);
    serve_one(fd, signals, status_pipes, bytes, old_mask);
  }
}

void stop_forkserver() noexcept {
  Connection& c = connection();
  std::lock_guard lock(c.mutex);
  if (c.fd < 0 || c.owner != getpid()) return;
  close_fd(c.fd);
  c.fd = -1;
  int status = 0;
  while (waitpid(c.server, &status, 0) < 0 && errno == EINTR) {
  }
  c.server = 0;
}

}  // namespace mp::detail
