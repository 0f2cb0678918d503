// A target defined in another translation unit than the driver's main (seed 10.4.2).
#include "other_module.hpp"

#include "driver.hpp"

namespace mpspec::other_module {
void worker(const std::string& path, const std::string& name, const std::string& args_json) {
  run_target(path, name, args_json);
}
}  // namespace mpspec::other_module
