// The per-process registry: creation in the main program and the fresh start in a child.
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <new>
#include <utility>

#include "exit_rules.hpp"
#include "state.hpp"
#include "sys.hpp"

namespace mp::detail {
namespace {

// Two slots, used alternately by each generation (main, child, grandchild...). A child
// constructs its registry in the slot its parent did not use, so the parent's copy stays
// readable while the child sets up, and no allocation is needed to make room.
alignas(Registry) unsigned char slots[2][sizeof(Registry)];
Registry* active = nullptr;
int active_slot = 0;

Registry* create_main_registry() {
  auto* r = new (slots[0]) Registry();
  auto main = std::make_shared<State>();
  main->kind = Kind::kMain;
  main->name = "MainProcess";
  r->current = std::move(main);
  r->self_pid = getpid();
  active_slot = 0;
  // CPython's util._exit_function runs from atexit; so do our rules.
  std::atexit(run_exit_rules);
  return r;
}

}  // namespace

Registry& registry() {
  // A function-local static makes the first use thread-safe; a child overwrites `active`.
  static Registry* const first = create_main_registry();
  return active != nullptr ? *active : *first;
}

Registry& reset_for_child(std::shared_ptr<State>&& self, std::shared_ptr<State>&& parent,
                          int lifeline_fd, pid_t self_pid) {
  Registry& old = registry();
  const int slot = 1 - active_slot;
  // Placement new over the other slot without destroying what was there: a destructor
  // could free memory or touch a lock, and the old contents no longer matter.
  // Default-constructing the members allocates nothing.
  auto* fresh = new (slots[slot]) Registry();
  fresh->current = std::move(self);
  fresh->parent = std::move(parent);
  fresh->lifeline_fd = lifeline_fd;
  fresh->self_pid = self_pid;
  active = fresh;
  active_slot = slot;
  return old;
}

int own_fd(const Registry& r, const State& s) {
  return s.fd >= 0 && s.fd_owner == r.self_pid ? s.fd : -1;
}

void adopt_fd(Registry& r, State& s, int fd) {
  s.fd = fd;
  s.fd_owner = r.self_pid;
  std::lock_guard lock(r.fds_mutex);
  r.fds.insert(std::lower_bound(r.fds.begin(), r.fds.end(), fd), fd);
}

void adopt_signal_fd(Registry& r, State& s, int fd) {
  s.signal_fd = fd;
  std::lock_guard lock(r.fds_mutex);
  r.fds.insert(std::lower_bound(r.fds.begin(), r.fds.end(), fd), fd);
}

namespace {

// With r.fds_mutex held: closes and unlists `fd`. Both at once, so a fork in between never
// sees a listed fd that is already closed (and perhaps reused for something else).
void close_listed_locked(Registry& r, int fd) {
  close_fd(fd);
  const auto at = std::lower_bound(r.fds.begin(), r.fds.end(), fd);
  if (at != r.fds.end() && *at == fd) r.fds.erase(at);
}

}  // namespace

void release_fd(Registry& r, State& s) {
  const bool ours = s.fd_owner == r.self_pid;
  const int fd = own_fd(r, s);
  const int signal_fd = ours ? s.signal_fd : -1;
  s.fd = -1;
  s.signal_fd = -1;
  if (fd < 0 && signal_fd < 0) return;
  std::lock_guard lock(r.fds_mutex);
  if (fd >= 0) close_listed_locked(r, fd);
  if (signal_fd >= 0) close_listed_locked(r, signal_fd);
}

State::~State() {
  if (fd >= 0 || signal_fd >= 0) release_fd(registry(), *this);
}

}  // namespace mp::detail
