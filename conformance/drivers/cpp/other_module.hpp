// A target defined in another translation unit than the driver's main (seed 10.4.2).
#ifndef MPSPEC_DRIVER_OTHER_MODULE_HPP_
#define MPSPEC_DRIVER_OTHER_MODULE_HPP_

#include <string>

namespace mpspec::other_module {
// A child's entry, as run_target (driver.hpp); `args_json` is the args as a JSON array.
void worker(const std::string& path, const std::string& name, const std::string& args_json);
}  // namespace mpspec::other_module

#endif  // MPSPEC_DRIVER_OTHER_MODULE_HPP_
