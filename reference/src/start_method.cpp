// set_start_method, get_start_method, get_all_start_methods.
#include "start_method.hpp"

#include <atomic>
#include <cstdlib>

#include "forkserver.hpp"
#include "messages.hpp"

namespace mp {
namespace {

// Unset (-1) until set, asked for or used, as CPython's DefaultContext._actual_context.
// An atomic: start() reads it on every call and takes no lock for it.
std::atomic<int> g_method{-1};

}  // namespace

namespace detail {

void force_start_method(StartMethod method) { g_method.store(static_cast<int>(method)); }

bool bootstrapping() {
  return std::getenv(kSpawnFdVariable) != nullptr || std::getenv(kForkserverFdVariable) != nullptr;
}

}  // namespace detail

void set_start_method(std::optional<StartMethod> method, bool force) {
  const int wanted = method ? static_cast<int>(*method) : -1;
  if (force) {
    g_method.store(wanted);
    return;
  }
  int unset = -1;
  // Unforced, "no method" sets the default, as CPython's get_context(None) does.
  const int chosen = method ? wanted : static_cast<int>(StartMethod::fork);
  if (!g_method.compare_exchange_strong(unset, chosen)) {
    throw ProcessError(detail::msg::kContextSet);
  }
}

StartMethod get_start_method() {
  int unset = -1;
  g_method.compare_exchange_strong(unset, static_cast<int>(StartMethod::fork));
  return static_cast<StartMethod>(g_method.load());
}

std::vector<StartMethod> get_all_start_methods() { return {StartMethod::fork, StartMethod::spawn}; }

}  // namespace mp
