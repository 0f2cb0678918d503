// The driver's waits for another process of the run (`await`, `await_end`, `wait_sentinel`),
// made visible to the reaper, which ends them early when the whole run is stuck: while one
// lasts, the waiting thread is named kWaitingName. Once every live thread of the run waits
// like this (or with no time limit in the kernel), nothing can end a wait but its time
// limit, and an `await` that ends there only fails the case ("waited in vain"); so the
// reaper writes a new generation into the file MPSPEC_STALL_PATH names, and every wait that
// began before it gives up at once, as if its time had run out
// (tools/mpspec_runner/sandbox/stall.py, spec/README.md).
#ifndef MPSPEC_DRIVER_WAITING_HPP_
#define MPSPEC_DRIVER_WAITING_HPP_

#include <array>
#include <chrono>
#include <string>

namespace mpspec {

// 15 characters at most: the kernel's limit for a thread's name (stall.py reads the same).
inline constexpr char kWaitingName[] = "mpspec-waiting";

// How long a wait blocks between its looks at whether the reaper has ended it.
inline constexpr std::chrono::milliseconds kWaitSlice{50};

// Names the calling thread kWaitingName for its lifetime, then gives the name back (a
// library may have named it).
class Waiting {
 public:
  Waiting();
  ~Waiting();
  Waiting(const Waiting&) = delete;
  Waiting& operator=(const Waiting&) = delete;
  Waiting(Waiting&&) = delete;
  Waiting& operator=(Waiting&&) = delete;

  // True once the reaper has ended the waits of a stuck run since this one began.
  [[nodiscard]] bool ended_by_reaper() const;

 private:
  std::array<char, 16> name_{};  // PR_GET_NAME writes up to 16 bytes
  bool had_name_ = false;
  std::string generation_;
};

}  // namespace mpspec

#endif  // MPSPEC_DRIVER_WAITING_HPP_
