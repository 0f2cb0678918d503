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

// True for NAME=... of the environment.
bool is_variable(std::string_view entry, std::string_view name) {
  return entry.starts_with(name) && entry.size() > name.size() && entry[name.size()] == '=';
}

// A close-on-exec memfd holding `bytes`, or -1 with errno set. A memfd rather than a pipe:
// the parent never waits for a child that does not read (one without freeze_support()).
int memfd_with(const std::string& bytes) {
  const int fd = memfd_create("mp-spawn", MFD_CLOEXEC);
  if (fd < 0) return -1;
  const std::size_t done = transfer_all(bytes.size(), [&](std::size_t from) {
    return write(fd, bytes.data() + from, bytes.size() - from);
  });
  if (done < bytes.size()) {
    const int saved = errno != 0 ? errno : EIO;
    close_fd(fd);
    errno = saved;
    return -1;
  }
  return fd;
}

}  // namespace

std::string spawn_message_locked(const State& s, const std::string& payload, int lifeline_fd) {
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

std::string encode_target_locked(const State& s) {
  std::string payload;
  if (s.codec != nullptr && s.target != nullptr) s.codec->encode(s.target, payload);
  return payload;
}

pid_t spawn_new_run(const char* variable, int fd, int keep_fd) {
  std::vector<char*> argv;
  for (const std::string& arg : program_arguments()) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  const std::string marker = std::string(variable) + "=" + std::to_string(fd);
  std::vector<char*> envp;
  for (char** e = environ; *e != nullptr; ++e) {
    // A spawned child's own children must not inherit either marker of its start.
    if (is_variable(*e, kSpawnFdVariable) || is_variable(*e, kForkserverFdVariable)) continue;
    envp.push_back(*e);
  }
  envp.push_back(const_cast<char*>(marker.c_str()));
  envp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  int error = posix_spawn_file_actions_init(&actions);
  if (error != 0) {
    errno = error;
    return 0;
  }
  // dup2 of an fd onto itself clears close-on-exec in the child only (glibc >= 2.29).
  error = posix_spawn_file_actions_adddup2(&actions, fd, fd);
  if (error == 0 && keep_fd >= 0)
    error = posix_spawn_file_actions_adddup2(&actions, keep_fd, keep_fd);
  pid_t pid = 0;
  if (error == 0) {
    error = posix_spawn(&pid, "/proc/self/exe", &actions, nullptr, argv.data(), envp.data());
  }
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
  const int fd = memfd_with(spawn_message_locked(s, payload, lifeline[1]));
  if (fd < 0) fail("memfd_create", errno);
  const pid_t pid = spawn_new_run(kSpawnFdVariable, fd, lifeline[1]);
  const int error = errno;
  close_fd(fd);
  if (pid == 0) fail("posix_spawn", error);
  return pid;
}

}  // namespace mp::detail
