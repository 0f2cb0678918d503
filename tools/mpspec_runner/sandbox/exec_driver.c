/* The last step of a run's start (reaper.py): what the driver's process must do to itself
 * before it becomes the driver, then exec.
 *
 *   exec_driver --error-fd FD [--join-cgroup DIR]... [--user UID] [--fsize BYTES]
 *               [--nproc N] [--trace] [--seccomp-fd FD] -- DRIVER ARGS...
 *
 * It joins the cgroups (as root, before the switch of user), drops to UID (no supplementary
 * groups), sets the output file cap and the process cap, asks to be traced by its parent
 * (the reaper: PTRACE_TRACEME) and installs the seccomp filter whose instructions it reads
 * from the pipe --seccomp-fd, marks every descriptor above 3 close-on-exec (the trace is fd 3)
 * and execs the driver. A step that fails writes "step: message" to --error-fd (close-on-exec,
 * so the reaper reads end-of-file once the exec succeeded) and exits 127.
 *
 * Why a compiled program, and not the reaper's own Python in a forked child, as subprocess's
 * preexec_fn ran it: the reaper starts this with posix_spawn (a vfork: neither the
 * interpreter's page tables nor its pages are copied), and a static C program execs in a
 * fraction of a millisecond. The Python child cost each run about 11 ms of CPU and the fork
 * in the reaper 7 more, on a machine where a page fault costs about 15 us (CI's). Plain C,
 * not C++: it needs nothing but libc, whose getopt_long parses its options. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

enum { MOST_CGROUPS = 8, MOST_FILTER = 4096 };

static int error_fd = -1;

/* Says which step failed and why on the error pipe, then exits as a failed exec does. */
static void fail(const char* step, int err) {
  char text[512];
  int n = snprintf(text, sizeof text, "%s: %s", step, strerror(err));
  if (error_fd >= 0 && n > 0) {
    ssize_t ignored = write(error_fd, text, (size_t)n < sizeof text ? (size_t)n : sizeof text);
    (void)ignored;
  }
  _exit(127);
}

static long number(const char* text, const char* what) {
  char* end = NULL;
  errno = 0;
  long value = strtol(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || value < 0) fail(what, EINVAL);
  return value;
}

static void join_cgroup(const char* dir) {
  char path[4096];
  if (snprintf(path, sizeof path, "%s/cgroup.procs", dir) >= (int)sizeof path)
    fail("join cgroup", ENAMETOOLONG);
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0 || write(fd, "0", 1) != 1) /* "0": the writing process */
    fail("join cgroup", errno);
  close(fd);
}

static void limit(int resource, long value, const char* what) {
  struct rlimit limit = {(rlim_t)value, (rlim_t)value};
  if (setrlimit(resource, &limit) != 0) fail(what, errno);
}

static void install_filter(int fd) {
  static struct sock_filter code[MOST_FILTER];
  size_t got = 0;
  for (;;) {
    ssize_t n = read(fd, (char*)code + got, sizeof code - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("read seccomp filter", errno);
    if (n == 0) break;
    got += (size_t)n;
    if (got == sizeof code) fail("read seccomp filter", EFBIG);
  }
  close(fd);
  if (got == 0 || got % sizeof code[0] != 0) fail("read seccomp filter", EINVAL);
  struct sock_fprog program = {(unsigned short)(got / sizeof code[0]), code};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) /* what lets a user install a filter */
    fail("prctl(NO_NEW_PRIVS)", errno);
  if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program, 0, 0) != 0) fail("seccomp", errno);
}

int main(int argc, char** argv) {
  static const struct option options[] = {
      {"error-fd", required_argument, NULL, 'e'},   {"join-cgroup", required_argument, NULL, 'c'},
      {"user", required_argument, NULL, 'u'},       {"fsize", required_argument, NULL, 'f'},
      {"nproc", required_argument, NULL, 'n'},      {"trace", no_argument, NULL, 't'},
      {"seccomp-fd", required_argument, NULL, 's'}, {NULL, 0, NULL, 0}};
  const char* cgroups[MOST_CGROUPS];
  int n_cgroups = 0, trace = 0, filter_fd = -1;
  long user = -1, fsize = -1, nproc = -1;
  for (int opt; (opt = getopt_long(argc, argv, "+", options, NULL)) != -1;) {
    switch (opt) {
      case 'e':
        error_fd = (int)number(optarg, "--error-fd");
        break;
      case 'c':
        if (n_cgroups == MOST_CGROUPS) fail("--join-cgroup", E2BIG);
        cgroups[n_cgroups++] = optarg;
        break;
      case 'u':
        user = number(optarg, "--user");
        break;
      case 'f':
        fsize = number(optarg, "--fsize");
        break;
      case 'n':
        nproc = number(optarg, "--nproc");
        break;
      case 't':
        trace = 1;
        break;
      case 's':
        filter_fd = (int)number(optarg, "--seccomp-fd");
        break;
      default:
        fail("usage", EINVAL);
    }
  }
  if (error_fd < 0 || optind >= argc) fail("usage", EINVAL);
  if (fcntl(error_fd, F_SETFD, FD_CLOEXEC) != 0) fail("--error-fd", errno);

  for (int i = 0; i < n_cgroups; i++) join_cgroup(cgroups[i]);
  if (user >= 0) {
    gid_t gid = (gid_t)user;
    uid_t uid = (uid_t)user;
    if (setgroups(0, NULL) != 0 || setresgid(gid, gid, gid) != 0 || setresuid(uid, uid, uid) != 0)
      fail("switch user", errno);
  }
  if (fsize >= 0) limit(RLIMIT_FSIZE, fsize, "RLIMIT_FSIZE");
  if (nproc >= 0) limit(RLIMIT_NPROC, nproc, "RLIMIT_NPROC");
  if (trace && ptrace(PTRACE_TRACEME, 0, NULL, NULL) != 0) fail("ptrace(TRACEME)", errno);
  if (filter_fd >= 0) install_filter(filter_fd);
  if (close_range(4, ~0U, CLOSE_RANGE_CLOEXEC) != 0) fail("close_range", errno);
  extern char** environ;
  execve(argv[optind], argv + optind, environ);
  fail(argv[optind], errno);
}
