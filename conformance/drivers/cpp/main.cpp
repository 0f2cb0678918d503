// mpspec's C++ driver: `mpspec_driver_<impl> SCENARIO.json` (conformance/PROTOCOL.md).
#include <iostream>

#include "play.hpp"

int main(int argc, char** argv) {
  using namespace mpspec;
  if (argc != 2) {
    std::cerr << "usage: " << argv[0] << " SCENARIO.json\n";
    return kExitCaseError;
  }
  try {
    load_scenario(argv[1]);
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
