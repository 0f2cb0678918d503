// A target defined in another translation unit than the driver's main (seed 10.4.2).
#include "other_module.hpp"

#include "play.hpp"

namespace mpspec::other_module {
void worker(const std::string& path, const std::string& name, const nlohmann::json& args) {
  run_target(path, name, args);
}
}  // namespace mpspec::other_module
