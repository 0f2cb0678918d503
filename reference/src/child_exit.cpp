// Exit codes of a child (API.md's table) and mp::exit().
#include "child_exit.hpp"

#include <cxxabi.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <typeinfo>

#include "exit_rules.hpp"
#include "mp/process.hpp"
#include "state.hpp"
#include "sys.hpp"

namespace mp {
namespace detail {
namespace {

std::string type_name(const std::type_info* type) {
  if (type == nullptr) return "unknown type";
  int status = 0;
  const std::unique_ptr<char, decltype(&std::free)> name(
      abi::__cxa_demangle(type->name(), nullptr, nullptr, &status), &std::free);
  return status == 0 ? std::string(name.get()) : std::string(type->name());
}

std::string current_name() {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  return r.current->name;
}

bool in_child() {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  return !rules(r.current->kind).is_main_program;
}

}  // namespace

int exit_code_for(const std::exception_ptr& error) {
  if (!error) return 0;
  try {
    std::rethrow_exception(error);
  } catch (const SystemExit& e) {
    if (!e.message()) return e.code();  // _exit keeps the low 8 bits, as the OS does
    std::fprintf(stderr, "%s\n", e.message()->c_str());
    return 1;
  } catch (const std::exception& e) {
    // CPython prints "Process <name>:" and a traceback ending in "Type: message".
    std::fprintf(stderr, "Process %s:\n%s: %s\n", current_name().c_str(),
                 type_name(&typeid(e)).c_str(), e.what());
    return 1;
  } catch (...) {
    std::fprintf(stderr, "Process %s:\nuncaught exception of type %s\n", current_name().c_str(),
                 type_name(abi::__cxa_current_exception_type()).c_str());
    return 1;
  }
}

void exit_child(std::exception_ptr error) {
  try {
    run_exit_rules_or_throw();
  } catch (...) {
    if (!error) error = std::current_exception();
  }
  const int code = exit_code_for(error);
  flush_std_streams();
  _exit(code);
}

}  // namespace detail

void exit(int code) {
  if (detail::in_child()) throw SystemExit(code);
  detail::flush_std_streams();
  std::exit(code);
}

void exit(std::string_view message) {
  if (detail::in_child()) throw SystemExit(std::string(message));
  detail::flush_std_streams();
  std::fprintf(stderr, "%.*s\n", static_cast<int>(message.size()), message.data());
  std::exit(1);
}

}  // namespace mp
