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
inline constexpr const char* kContextSet = "context has already been set";
// CPython's words, with the C++ form of the idiom it shows.
inline constexpr const char* kBootstrapping =
    "An attempt has been made to start a new process before the current process has "
    "finished its bootstrapping phase.\n\n"
    "This probably means that you are not using fork to start your child processes and you "
    "have forgotten to use the proper idiom in main():\n\n"
    "    int main() {\n"
    "      mp::freeze_support();\n"
    "      ...\n\n"
    "Under spawn and forkserver a child is a new run of the program, and freeze_support() "
    "is where it runs its target instead of the rest of main().";
// Not CPython's: it would os.kill() a pid that is not its child to guard, which may have
// been recycled. We refuse instead (API.md: never signal a recycled pid).
inline constexpr const char* kSignalNotChild = "can only signal a child process";

}  // namespace mp::detail::msg

#endif  // MP_REFERENCE_SRC_MESSAGES_HPP_
