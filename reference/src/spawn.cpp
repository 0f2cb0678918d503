// The parent's side of spawn: the message, the memfd that carries it, posix_spawn.
#include "spawn.hpp"

#include <spawn.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <sstream>
#include <string_view>
#include <system_error>
#include <vector>

#include "forkserver.hpp"
#include "spawn_message.hpp"
#include "start_method.hpp"
#include "sys.hpp"

extern char** environ;  // NOLINT(readability-redundant-declaration): POSIX declares it nowhere

namespace mp::detail {
namespace {

// This program's own arguments: a spawned child is the same program run the same way
// (CPython's spawned child keeps sys.argv too). glibc hands every .init_array function
// main()'s argc and argv; copied there, before main() can change them.
std::vector<std::string>& program_arguments() {
  static std::vector<std::string> arguments;
  return arguments;
}

void keep_arguments(int argc, char** argv, char** /*envp*/) {
  program_arguments().assign(argv, argv + argc);
}

// Not const: the section is writable, and a const object may not share it.
// NOLINTNEXTLINE(cppcoreguidelines-avoid-non-const-global-variables)
[[gnu::section(".init_array"),
  gnu::used]] void (*keep_arguments_at_start)(int, char**, char**) = &keep_arguments;

std::string message_for_locked(const State& s, const std::string& payload, int lifeline_fd) {
  SpawnMessage m;
  m.method = static_cast<int>(get_start_method());
  m.name = s.name;
  m.daemon = s.daemon;
  m.identity = s.identity;
  m.parent_pid = getpid();
  m.parent_name = s.parent_name;
  m.lifeline_fd = lifeline_fd;
  m.has_target = s.codec != nullptr && s.target != nullptr;
  if (m.has_target) m.codec = locate(s.codec);
  m.payload = payload;
  std::ostringstream buffer;
  {
    cereal::BinaryOutputArchive archive(buffer);
    archive(m);
  }
  return std::move(buffer).str();
}

// A close-on-exec memfd holding `bytes`, or -1 with errno set. A memfd rather than a pipe:
// the parent never waits for a child that does not read (one without freeze_support()).
int memfd_with(const std::string& bytes) {
  const int fd = memfd_create("mp-spawn", MFD_CLOEXEC);
  if (fd < 0) return -1;
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int saved = n < 0 ? errno : EIO;
      close_fd(fd);
      errno = saved;
      return -1;
    }
    done += static_cast<std::size_t>(n);
  }
  return fd;
}

}  // namespace

std::string encode_target_locked(const State& s) {
  std::string payload;
  if (s.codec != nullptr && s.target != nullptr) s.codec->encode(s.target, payload);
  return payload;
}

std::string spawn_message_locked(const State& s, const std::string& payload, int lifeline_fd) {
  return message_for_locked(s, payload, lifeline_fd);
}

pid_t spawn_new_run(const char* variable, int fd, int keep_fd) {
  std::vector<char*> argv;
  for (const std::string& arg : program_arguments()) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  const std::string marker = std::string(variable) + "=" + std::to_string(fd);
  const std::string_view prefix = std::string_view(marker).substr(0, marker.find('=') + 1);
  std::vector<char*> envp;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string_view entry(*e);
    // A spawned child's own children must not inherit either marker of its start.
    if (entry.starts_with(prefix) || entry.starts_with(kSpawnFdVariable) ||
        entry.starts_with(kForkserverFdVariable)) {
      continue;
    }
    envp.push_back(*e);
  }
  envp.push_back(const_cast<char*>(marker.c_str()));
  envp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  // dup2 of an fd onto itself clears close-on-exec in the child only (glibc >= 2.29).
  posix_spawn_file_actions_adddup2(&actions, fd, fd);
  if (keep_fd >= 0) posix_spawn_file_actions_adddup2(&actions, keep_fd, keep_fd);
  pid_t pid = 0;
  const int error =
      posix_spawn(&pid, "/proc/self/exe", &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (error != 0) {
    errno = error;
    return 0;
  }
  return pid;
}

pid_t spawn_child_locked(const State& s, const std::string& payload,
                         const std::array<int, 2>& lifeline) {
  const auto fail = [&lifeline](const char* call, int error) {
    for (const int fd : lifeline) {
      if (fd >= 0) close_fd(fd);
    }
    throw std::system_error(error, std::generic_category(), call);
  };
  const int fd = memfd_with(message_for_locked(s, payload, lifeline[1]));
  if (fd < 0) fail("memfd_create", errno);
  const pid_t pid = spawn_new_run(kSpawnFdVariable, fd, lifeline[1]);
  const int error = errno;
  close_fd(fd);
  if (pid == 0) fail("posix_spawn", error);
  return pid;
}

}  // namespace mp::detail
