// Process::repr(): CPython's BaseProcess.__repr__, character for character.
#include <unistd.h>

#include <algorithm>
#include <array>
#include <csignal>
#include <cstdio>
#include <iterator>
#include <mutex>
#include <string>
#include <string_view>

#include "lifecycle.hpp"
#include "mp/process.hpp"
#include "state.hpp"

namespace mp {
namespace {

// CPython's _exitcode_to_name on Linux: every signal module name without '_', the later
// alias winning (SIGABRT over SIGIOT, SIGCHLD over SIGCLD, SIGPOLL over SIGIO). A table,
// not strsignal/sigabbrev_np: those name 6 "IOT" or "ABRT" depending on the libc.
constexpr std::array<std::string_view, 32> kSignalNames = {
    "",          "SIGHUP",  "SIGINT",    "SIGQUIT", "SIGILL",   "SIGTRAP", "SIGABRT", "SIGBUS",
    "SIGFPE",    "SIGKILL", "SIGUSR1",   "SIGSEGV", "SIGUSR2",  "SIGPIPE", "SIGALRM", "SIGTERM",
    "SIGSTKFLT", "SIGCHLD", "SIGCONT",   "SIGSTOP", "SIGTSTP",  "SIGTTIN", "SIGTTOU", "SIGURG",
    "SIGXCPU",   "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGPOLL", "SIGPWR",  "SIGSYS"};

std::string exitcode_text(int code) {
  const int sig = -code;
  std::string_view name;
  if (sig > 0 && sig < static_cast<int>(kSignalNames.size())) name = kSignalNames[sig];
  // CPython's signal module reads SIGRTMIN and SIGRTMAX from the libc at run time, and so do
  // we: glibc's SIGRTMIN is a function (34, after the two signals its threads keep).
  if (sig == SIGRTMIN) name = "SIGRTMIN";
  if (sig == SIGRTMAX) name = "SIGRTMAX";
  if (name.empty()) return std::to_string(code);
  std::string text = "-";  // appended, not "-" + string: GCC 12 warns falsely (PR105329)
  text += name;
  return text;
}

// Decodes one UTF-8 sequence at s[i]; returns the code point and advances i, or returns -1
// (and advances one byte) for a byte that does not start a valid sequence.
long next_code_point(std::string_view s, std::size_t& i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char b0 = byte(i);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  const std::size_t len = (b0 & 0xE0) == 0xC0   ? 2
                          : (b0 & 0xF0) == 0xE0 ? 3
                          : (b0 & 0xF8) == 0xF0 ? 4
                                                : 0;
  long cp = b0 & (0x7F >> len);  // the lead byte's payload bits
  bool valid = len > 0 && i + len <= s.size();
  for (std::size_t k = 1; valid && k < len; ++k) {
    valid = (byte(i + k) & 0xC0) == 0x80;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  if (!valid) {
    ++i;
    return -1;
  }
  i += len;
  return cp;
}

// The code points Python's str.isprintable() refuses, which its repr() escapes.
struct CodePointRange {
  long first;
  long last;
};
constexpr auto kUnprintable = std::to_array<CodePointRange>({
#include "unprintable_ranges.inc"
});

bool printable(long cp) {
  const auto* const at =
      std::upper_bound(kUnprintable.begin(), kUnprintable.end(), cp,
                       [](long c, const CodePointRange& r) { return c < r.first; });
  return at == kUnprintable.begin() || cp > std::prev(at)->last;
}

std::string hex_escape(const char* format, long value) {
  std::array<char, 16> buf{};
  std::snprintf(buf.data(), buf.size(), format, static_cast<unsigned>(value));
  return buf.data();
}

}  // namespace

namespace detail {

// Python's repr() of a str: single quotes unless the text holds ' and no ", backslash
// escapes for the quote, \\, \t, \n and \r, and \xNN, \uNNNN or \UNNNNNNNN for every other
// character str.isprintable() refuses (controls, separators but the space, format characters,
// unassigned code points); the rest of non-ASCII text stays as it is. Invalid UTF-8 bytes
// (which a Python str cannot hold) are shown as \xNN.
std::string python_str_repr(std::string_view text) {
  const bool has_single = text.find('\'') != std::string_view::npos;
  const bool has_double = text.find('"') != std::string_view::npos;
  const char quote = has_single && !has_double ? '"' : '\'';
  std::string out(1, quote);
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t start = i;
    const long cp = next_code_point(text, i);
    if (cp < 0) {
      out += hex_escape("\\x%02x", static_cast<unsigned char>(text[start]));
    } else if (cp == quote || cp == '\\') {
      out += '\\';
      out += static_cast<char>(cp);
    } else if (cp == '\t') {
      out += "\\t";
    } else if (cp == '\n') {
      out += "\\n";
    } else if (cp == '\r') {
      out += "\\r";
    } else if (!printable(cp)) {
      out += hex_escape(cp < 0x100 ? "\\x%02x" : cp < 0x10000 ? "\\u%04x" : "\\U%08x", cp);
    } else {
      out.append(text.substr(start, i - start));
    }
  }
  out += quote;
  return out;
}

}  // namespace detail

std::string Process::repr() const {
  detail::Registry& r = detail::registry();
  std::lock_guard lock(r.mutex);
  detail::State& s = *state_;
  std::optional<int> code;
  const char* status = nullptr;
  if (detail::is_current(r, s)) {
    status = "started";
  } else if (s.closed) {
    status = "closed";
  } else if (s.parent_pid != getpid()) {
    status = "unknown";
  } else if (!s.pid) {
    status = "initial";
  } else {
    code = detail::poll_locked(s);
    status = code ? "stopped" : "started";
  }
  const detail::KindRules rules = detail::rules(s.kind);
  std::string out =
      std::string("<") + rules.class_name + " name=" + detail::python_str_repr(s.name);
  // CPython shows the pid of a child it started (its _popen), not of a parent.
  if (rules.starts_a_child && s.pid) out += " pid=" + std::to_string(*s.pid);
  out += " parent=" + (s.parent_pid ? std::to_string(*s.parent_pid) : std::string("None"));
  out += ' ';
  out += status;
  if (code) out += " exitcode=" + exitcode_text(*code);
  if (s.daemon) out += " daemon";
  out += '>';
  return out;
}

}  // namespace mp
