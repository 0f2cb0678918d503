// A target defined in another translation unit than the driver's main (seed 10.4.2).
#ifndef MPSPEC_DRIVER_OTHER_MODULE_HPP_
#define MPSPEC_DRIVER_OTHER_MODULE_HPP_

#include <nlohmann/json.hpp>
#include <string>

namespace mpspec::other_module {
void worker(const std::string& path, const std::string& name, const nlohmann::json& args);
}  // namespace mpspec::other_module

#endif  // MPSPEC_DRIVER_OTHER_MODULE_HPP_
