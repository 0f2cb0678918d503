// The texts live in storage that outlives every exit handler (a leaked vector): they are
// read while the program's own static objects are being destroyed.
#include "exit_prints.hpp"

#include <unistd.h>

#include <cstdlib>
#include <vector>

namespace mpspec::exit_prints {
namespace {

std::vector<std::string>& texts(const std::string& how) {
  static auto* atexit_texts = new std::vector<std::string>();  // never freed: see above
  static auto* static_texts = new std::vector<std::string>();
  return how == "static" ? *static_texts : *atexit_texts;
}

void print_all(const std::vector<std::string>& lines) {
  const std::string pid = std::to_string(getpid());
  for (std::string line : lines) {
    for (auto at = line.find("{pid}"); at != std::string::npos; at = line.find("{pid}"))
      line.replace(at, 5, pid);
    line += '\n';
    if (write(1, line.data(), line.size()) < 0) return;  // unbuffered: exit may not flush
  }
}

void print_atexit_texts() { print_all(texts("atexit")); }

struct StaticPrinter {
  StaticPrinter() = default;
  StaticPrinter(const StaticPrinter&) = delete;
  StaticPrinter& operator=(const StaticPrinter&) = delete;
  ~StaticPrinter() { print_all(texts("static")); }
};

}  // namespace

void add(const std::string& text, const std::string& how) {
  if (how == "static") {
    static StaticPrinter printer;  // constructed now, destroyed at exit
    (void)printer;
  } else if (texts("atexit").empty()) {
    std::atexit(print_atexit_texts);
  }
  texts(how).push_back(text);
}

}  // namespace mpspec::exit_prints
