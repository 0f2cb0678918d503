// What the driver's translation units share without <nlohmann/json.hpp> or <mp/process.hpp>,
// so that other_module.cpp and process_ops.cpp stay free of the one and play.cpp and main.cpp
// of the other (process_ops.hpp says why).
#ifndef MPSPEC_DRIVER_DRIVER_HPP_
#define MPSPEC_DRIVER_DRIVER_HPP_

#include <stdexcept>
#include <string>

namespace mpspec {

// The scenario is malformed: the driver exits with 100.
class CaseError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// CLOCK_MONOTONIC in seconds: the clock of the trace (as Python's time.monotonic) and of
// every deadline the driver keeps.
double monotonic();

// The body of every child: plays target `name` of the scenario as the program at `path`
// (main/w), with the step's args serialized as a JSON array (`args_json`).
void run_target(const std::string& path, const std::string& name, const std::string& args_json);

}  // namespace mpspec

#endif  // MPSPEC_DRIVER_DRIVER_HPP_
