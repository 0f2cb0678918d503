// The start method in use, and how a spawned child learns that it is one.
#ifndef MP_REFERENCE_SRC_START_METHOD_HPP_
#define MP_REFERENCE_SRC_START_METHOD_HPP_

#include "mp/process.hpp"

namespace mp::detail {

// The environment variable that tells a new run of the program it is a spawned child: the
// number of the inherited descriptor holding its SpawnMessage. freeze_support() removes it.
inline constexpr const char* kSpawnFdVariable = "MP_SPAWN_FD";

// In a spawned child: the parent's method, set whatever was set before (CPython's
// spawn.prepare sets it with force=True).
void force_start_method(StartMethod method);

// True in a spawned child or a forkserver that has not called freeze_support(): it is
// running main() from the top, and must not start children (CPython's
// _check_not_importing_main; a forkserver that did would start servers without end).
bool bootstrapping();

}  // namespace mp::detail

#endif  // MP_REFERENCE_SRC_START_METHOD_HPP_
