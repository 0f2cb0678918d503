// What a parent tells a child it starts by spawn: who the child is and what it runs.
#ifndef MP_REFERENCE_SRC_SPAWN_MESSAGE_HPP_
#define MP_REFERENCE_SRC_SPAWN_MESSAGE_HPP_

#include <sys/types.h>

#include <string>
#include <vector>

#include "mp/process.hpp"

namespace mp::detail {

// Everything of the child's State that fork would have copied, and its target: written by
// start() into a memfd the child inherits, read by freeze_support() in the child.
struct SpawnMessage {
  int method = 0;             // StartMethod: the child's get_start_method()
  std::string name;           // current_process().name()
  bool daemon = false;        // current_process().daemon()
  std::vector<int> identity;  // position numbers, for its own children's names
  pid_t parent_pid = 0;       // parent_process().pid()
  std::string parent_name;    // parent_process().name()
  int lifeline_fd = -1;       // pipe fallback: the write end the parent waits on
  bool has_target = false;    // false for Process(): the child does nothing
  Location codec;             // the SpawnCodec that reads `payload`
  std::string payload;        // the target and args, as the codec wrote them

  template <class Archive>
  void serialize(Archive& archive) {
    archive(method, name, daemon, identity, parent_pid, parent_name, lifeline_fd, has_target, codec,
            payload);
  }
};

// The message `bytes` wrote down. Throws what cereal throws on malformed bytes.
SpawnMessage decode_spawn_message(const std::string& bytes);

// In a new run (spawn) or a forkserver's fork (`served`): becomes the child `m` describes, as
// a fork would have made it, runs its target and exits with API.md's code.
[[noreturn]] void become_child_and_run(const SpawnMessage& m, bool served);

}  // namespace mp::detail

#endif  // MP_REFERENCE_SRC_SPAWN_MESSAGE_HPP_
