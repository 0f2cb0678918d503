// CPython's messages for misuse, word for word: students and tests compare them.
#ifndef MP_REFERENCE_SRC_MESSAGES_HPP_
#define MP_REFERENCE_SRC_MESSAGES_HPP_

namespace mp::detail::msg {

inline constexpr const char* kClosed = "process object is closed";
inline constexpr const char* kStartTwice = "cannot start a process twice";
inline constexpr const char* kStartNotCreator =
    "can only start a process object created by current process";
inline constexpr const char* kDaemonChildren =
    "daemonic processes are not allowed to have children";
inline constexpr const char* kJoinNotChild = "can only join a child process";
inline constexpr const char* kJoinNotStarted = "can only join a started process";
inline constexpr const char* kTestNotChild = "can only test a child process";
inline constexpr const char* kAlreadyStarted = "process has already started";
inline constexpr const char* kNotStarted = "process not started";
inline constexpr const char* kCloseRunning =
    "Cannot close a process while it is still running. "
    "You should first call join() or terminate().";
// Not CPython's: it would os.kill() a pid that is not its child to guard, which may have
// been recycled. We refuse instead (API.md: never signal a recycled pid).
inline constexpr const char* kSignalNotChild = "can only signal a child process";

}  // namespace mp::detail::msg

#endif  // MP_REFERENCE_SRC_MESSAGES_HPP_
