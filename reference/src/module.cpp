// The module-level functions: current_process(), parent_process(), active_children(),
// cpu_count().
#include <unistd.h>

#include <mutex>

#include "lifecycle.hpp"
#include "mp/process.hpp"
#include "state.hpp"

namespace mp {

Process current_process() {
  detail::Registry& r = detail::registry();
  std::lock_guard lock(r.mutex);
  return Process(r.current);
}

std::optional<Process> parent_process() {
  detail::Registry& r = detail::registry();
  std::lock_guard lock(r.mutex);
  if (!r.parent) return std::nullopt;
  return Process(r.parent);
}

std::vector<Process> active_children() {
  detail::Registry& r = detail::registry();
  std::lock_guard lock(r.mutex);
  detail::cleanup_locked(r);
  return {r.children.begin(), r.children.end()};
}

int cpu_count() {
  const long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? static_cast<int>(n) : 1;
}

}  // namespace mp
