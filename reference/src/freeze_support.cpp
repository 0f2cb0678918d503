// The child's side of spawn and forkserver: freeze_support() reads who it is, runs the
// target and exits (or, in the forkserver's run, serves).
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>

#include "child_exit.hpp"
#include "forkserver.hpp"
#include "mp/process.hpp"
#include "spawn_message.hpp"
#include "start_method.hpp"
#include "state.hpp"
#include "sys.hpp"

namespace mp {
namespace {

// The whole of the inherited memfd `fd` (read from offset 0, whatever its position).
std::string read_message(int fd) {
  struct stat info {};
  if (fstat(fd, &info) != 0) detail::throw_errno("fstat");
  std::string bytes(static_cast<std::size_t>(info.st_size), '\0');
  const std::size_t done = detail::transfer_all(bytes.size(), [&](std::size_t from) {
    return pread(fd, bytes.data() + from, bytes.size() - from, static_cast<off_t>(from));
  });
  if (done < bytes.size() && errno != 0) detail::throw_errno("pread");
  bytes.resize(done);
  return bytes;
}

}  // namespace

namespace detail {

SpawnMessage decode_spawn_message(const std::string& bytes) {
  SpawnMessage m;
  std::istringstream buffer(bytes);
  cereal::BinaryInputArchive archive(buffer);
  archive(m);
  return m;
}

void become_child_and_run(const SpawnMessage& m, bool served) {
  force_start_method(static_cast<StartMethod>(m.method));
  auto self = std::make_shared<State>();
  self->name = m.name;
  self->daemon = m.daemon;
  self->identity = m.identity;
  self->parent_pid = m.parent_pid;
  self->parent_name = m.parent_name;
  auto parent = std::make_shared<State>();
  parent->kind = Kind::kParent;
  parent->pid = m.parent_pid;
  parent->name = m.parent_name;
  parent->served = served;
  const pid_t me = getpid();
  reset_for_child(std::move(self), std::move(parent), m.lifeline_fd, me);
  if (served && have_pidfd()) {
    // Our parent is the server, not the main program: the main program is watched through a
    // pidfd opened now, while it still waits for the server's reply (so its pid is its own).
    const int fd = pidfd_open(m.parent_pid);
    Registry& r = registry();
    std::lock_guard lock(r.mutex);
    if (fd >= 0) adopt_fd(r, *r.parent, fd);
  }
  run_child_and_exit([&m] {
    if (!m.has_target) return;
    const auto* codec = static_cast<const SpawnCodec*>(resolve(m.codec));
    codec->run(m.payload);
  });
}

}  // namespace detail

void freeze_support() {
  if (const char* server = std::getenv(detail::kForkserverFdVariable)) {
    const int fd = std::atoi(server);
    unsetenv(detail::kForkserverFdVariable);
    detail::run_forkserver(fd);
  }
  const char* text = std::getenv(detail::kSpawnFdVariable);
  if (text == nullptr) return;
  const int fd = std::atoi(text);
  // Gone before the target runs: its own children must not take themselves for spawned.
  unsetenv(detail::kSpawnFdVariable);
  detail::SpawnMessage m;
  try {
    m = detail::decode_spawn_message(read_message(fd));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mp::freeze_support: cannot read what the parent sent: %s\n", e.what());
    _exit(1);
  }
  detail::close_fd(fd);
  detail::become_child_and_run(m, false);
}

}  // namespace mp
