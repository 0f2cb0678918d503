// The at-exit rules: daemons are terminated, then every child is joined.
#include "exit_rules.hpp"

#include <csignal>
#include <cstdio>
#include <exception>
#include <memory>
#include <mutex>

#include "forkserver.hpp"
#include "lifecycle.hpp"
#include "state.hpp"
#include "sys.hpp"

namespace mp::detail {

void run_exit_rules_or_throw() {
  Registry& r = registry();
  {
    std::lock_guard lock(r.mutex);
    cleanup_locked(r);
    for (const auto& child : r.children) {
      if (child->daemon) send_signal(signal_fd_locked(r, *child), *child->pid, SIGTERM);
    }
  }
  for (;;) {
    std::shared_ptr<State> next;  // a reference count, not an allocation
    {
      std::lock_guard lock(r.mutex);
      cleanup_locked(r);
      if (r.children.empty()) break;
      next = r.children.front();
    }
    wait_for_child(r, *next, std::nullopt);
  }
  stop_forkserver();  // its children are joined: nothing of it outlives the program
}

void run_exit_rules() noexcept {
  try {
    run_exit_rules_or_throw();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mp: joining children at exit failed: %s\n", e.what());
  }
}

}  // namespace mp::detail
