// The child's side of spawn: freeze_support() reads who it is, runs the target and exits.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <sstream>
#include <string>

#include "child_exit.hpp"
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
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = pread(fd, bytes.data() + done, bytes.size() - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) detail::throw_errno("pread");
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  bytes.resize(done);
  return bytes;
}

detail::SpawnMessage decode(const std::string& bytes) {
  detail::SpawnMessage m;
  std::istringstream buffer(bytes);
  cereal::BinaryInputArchive archive(buffer);
  archive(m);
  return m;
}

// This run becomes the child the message describes: the registry a fork would have made.
void become_child(const detail::SpawnMessage& m) {
  detail::force_start_method(static_cast<StartMethod>(m.method));
  auto self = std::make_shared<detail::State>();
  self->name = m.name;
  self->daemon = m.daemon;
  self->identity = m.identity;
  self->parent_pid = m.parent_pid;
  self->parent_name = m.parent_name;
  auto parent = std::make_shared<detail::State>();
  parent->kind = detail::Kind::kParent;
  parent->pid = m.parent_pid;
  parent->name = m.parent_name;
  detail::reset_for_child(std::move(self), std::move(parent), m.lifeline_fd, getpid());
}

}  // namespace

void freeze_support() {
  const char* text = std::getenv(detail::kSpawnFdVariable);
  if (text == nullptr) return;
  const int fd = std::atoi(text);
  // Gone before the target runs: its own children must not take themselves for spawned.
  unsetenv(detail::kSpawnFdVariable);
  detail::SpawnMessage m;
  try {
    m = decode(read_message(fd));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mp::freeze_support: cannot read what the parent sent: %s\n", e.what());
    _exit(1);
  }
  detail::close_fd(fd);
  become_child(m);
  detail::run_child_and_exit([&m] {
    if (!m.has_target) return;
    const auto* codec = static_cast<const detail::SpawnCodec*>(detail::resolve(m.codec));
    codec->run(m.payload);
  });
}

}  // namespace mp
