// Test support: leftover-process checks, pipes and the forked "main program".
#include "support.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <sstream>

namespace mp_test {

std::vector<pid_t> children_of_this_process() {
  std::vector<pid_t> found;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return found;
  while (const dirent* entry = readdir(proc)) {
    char* end = nullptr;
    const long pid = std::strtol(entry->d_name, &end, 10);
    if (*end != '\0' || pid <= 0) continue;
    // read(), not ifstream: a process that exits while we read makes libstdc++ throw.
    const int fd = open(("/proc/" + std::string(entry->d_name) + "/stat").c_str(), O_RDONLY);
    if (fd < 0) continue;
    char buf[512];
    const ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) continue;
    const std::string text(buf, static_cast<size_t>(n));
    const auto close_paren = text.rfind(')');
    if (close_paren == std::string::npos) continue;
    std::istringstream rest(text.substr(close_paren + 1));
    std::string state;
    pid_t ppid = 0;
    rest >> state >> ppid;
    if (ppid == getpid()) found.push_back(static_cast<pid_t>(pid));
  }
  closedir(proc);
  return found;
}

void NoLeftovers::TearDown() {
  const std::vector<pid_t> left = children_of_this_process();
  for (const pid_t pid : left) ::kill(pid, SIGKILL);
  for (const pid_t pid : left) waitpid(pid, nullptr, 0);
  EXPECT_TRUE(left.empty()) << "the test left " << left.size()
                            << " process(es) behind (killed now)";
}

int open_fd_count() {
  int n = 0;
  DIR* dir = opendir("/proc/self/fd");
  while (const dirent* entry = readdir(dir)) {
    if (entry->d_name[0] != '.') ++n;
  }
  closedir(dir);
  return n - 1;  // the directory stream's own fd
}

Pipe::Pipe() : fds_{-1, -1} {
  if (pipe2(fds_, O_CLOEXEC) != 0) std::abort();
}

Pipe::~Pipe() {
  for (const int fd : fds_) {
    if (fd >= 0) close(fd);
  }
}

void Pipe::say_ready() const { write_text(fds_[1], "."); }

void Pipe::wait_ready() const {
  char c = 0;
  while (read(fds_[0], &c, 1) < 0 && errno == EINTR) {
  }
}

void Pipe::close_write() {
  if (fds_[1] >= 0) close(fds_[1]);
  fds_[1] = -1;
}

std::string Pipe::read_all() {
  close_write();
  std::string text;
  char buf[4096];
  ssize_t n = 0;
  while ((n = read(fds_[0], buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
  return text;
}

void Gate::pass() const {
  close(pipe_.write_fd());
  char c = 0;
  while (read(pipe_.read_fd(), &c, 1) > 0) {
  }
}

void Gate::open() { pipe_.close_write(); }

void write_text(int fd, const std::string& text) {
  const ssize_t n = write(fd, text.data(), text.size());
  (void)n;
}

MainRun run_as_main(const std::function<void()>& body) {
  Pipe out;
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(out.write_fd(), STDOUT_FILENO);
    dup2(out.write_fd(), STDERR_FILENO);
    body();
    std::exit(0);  // as returning from main does: atexit handlers run
  }
  MainRun run{0, out.read_all()};
  waitpid(pid, &run.status, 0);
  return run;
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace mp_test
