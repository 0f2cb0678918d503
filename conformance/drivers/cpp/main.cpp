// mpspec's C++ driver: `mpspec_driver_<impl> [--start-method fork|spawn|forkserver]
// SCENARIO.json` (conformance/PROTOCOL.md).
#include <iostream>
#include <string>

#include "play.hpp"
#include "process_ops.hpp"

int main(int argc, char** argv) {
  using namespace mpspec;
  const std::string usage =
      std::string("usage: ") + argv[0] + " [--start-method fork|spawn|forkserver] SCENARIO.json\n";
  std::string method = "fork";
  if (argc == 4 && std::string(argv[1]) == "--start-method") method = argv[2];
  if (argc != 2 && !(argc == 4 && std::string(argv[1]) == "--start-method")) {
    std::cerr << usage;
    return kExitCaseError;
  }
  try {
    // Read before freeze_support(): a spawned child plays its target from the scenario, which
    // it reads again here, as a spawned CPython child imports the main module again.
    load_scenario(argv[argc - 1]);
    if (const auto unsupported = ops::use_start_method(method)) {
      trace({{"ev", "unsupported"}, {"what", *unsupported}});
      return kExitUnsupported;
    }
    if (!about_start_method(scenario(), method)) {
      trace({{"ev", "not_applicable"}, {"start_method", method}});
      return kExitNotApplicable;
    }
    if (const auto unsupported = validate(scenario())) {
      trace({{"ev", "unsupported"}, {"what", *unsupported}});
      return kExitUnsupported;
    }
    Program("main", json::array()).run(scenario()["main"]);
  } catch (const End&) {
  } catch (const CaseError& e) {
    trace({{"ev", "case_error"}, {"message", e.what()}});
    return kExitCaseError;
  } catch (const json::exception& e) {
    trace({{"ev", "case_error"}, {"message", e.what()}});
    return kExitCaseError;
  }
  return 0;  // the library's at-exit rules run now, as at the end of any program
}
