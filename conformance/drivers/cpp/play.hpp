// The step interpreter of mpspec's C++ driver (conformance/PROTOCOL.md). It reads the
// scenario with nlohmann/json and reaches mp/process.hpp only through process_ops.hpp, so it
// builds with any implementation of shared/API.md and never depends on one.
#ifndef MPSPEC_DRIVER_PLAY_HPP_
#define MPSPEC_DRIVER_PLAY_HPP_

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>

#include "driver.hpp"
#include "process_ops.hpp"

namespace mpspec {

using nlohmann::json;

// Thrown by the main program's "end" step.
struct End {};

inline constexpr int kExitCaseError = 100;
inline constexpr int kExitUnsupported = 101;
inline constexpr int kExitNotApplicable = 102;

// The loaded scenario, shared by the main program and (copied by fork) every child.
void load_scenario(const std::string& path);
const json& scenario();

// The first step name this driver does not implement, or nullopt; throws CaseError for a
// malformed scenario.
std::optional<std::string> validate(const json& scenario);

// False when the scenario names the start methods it is about and `method` is not one.
bool about_start_method(const json& scenario, const std::string& method);

// Writes one trace event (a single write() to MPSPEC_TRACE_FD, with "pid" and "t" added).
void trace(json event);

// One program (the main one, or one child): its place in the tree, its args, its handles.
class Program {
 public:
  Program(std::string path, json args) : path_(std::move(path)), args_(std::move(args)) {}
  // Plays the steps; returns when they are done or at "return". Throws what "raise" and
  // "exit" throw, CaseError, and End.
  void run(const json& steps);

 private:
  // Plays steps[first...]: "guard" and "catch_errors" wrap the steps after them.
  void run(const json& steps, std::size_t first);
  void op(const json& step);
  json perform(const json& step);
  void create(const json& step);
  // The handles `name` is one of, and its name there: this program's own, or for "^NAME"
  // the forked copy of the starting program's (PROTOCOL.md). CaseError if there are none.
  std::pair<ops::Handles*, std::string> owner(const std::string& name);
  [[nodiscard]] std::string format(const std::string& text) const;

  std::string path_;
  json args_;
  ops::Handles handles_;
};

}  // namespace mpspec

#endif  // MPSPEC_DRIVER_PLAY_HPP_
