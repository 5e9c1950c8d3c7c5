// ncoresim started in the background for the signal tests (sweeps, run): the leader of its own
// process group, its output to a log, with one of the test hooks set (NCORESIM_TEST_HOLD_POINT,
// NCORESIM_TEST_HOLD_FILE), so a test waits for a file the hook holds, then signals it: never a
// timing guess.
#pragma once
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "test_util.h"

namespace ncore::test {

// A process started by spawn(): its pid, also its process group's id. Should the test fail
// before it is reaped, the whole group is killed, so nothing outlives the test.
struct Spawned {
  pid_t pid = -1;
  bool reaped = false;
  ~Spawned() {
    if (reaped) return;
    kill(-pid, SIGKILL);
    waitpid(pid, nullptr, 0);
  }
};

// `ncoresim ARGS` from the repository root, in the background, as the leader of its own process
// group (so its children are found by group), with the environment variable `hook`=`value`; its
// stdout and stderr go to `log`.
inline pid_t spawn(const std::vector<std::string>& args, const std::string& hook,
                   const std::string& value, const std::string& log) {
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    setpgid(0, 0);
    const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    setenv(hook.c_str(), value.c_str(), 1);
    setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);
    if (chdir(source_dir().c_str()) != 0) _exit(127);
    std::vector<char*> argv{const_cast<char*>(NCORESIM_BIN)};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(NCORESIM_BIN, argv.data());
    _exit(127);
  }
  setpgid(pid, pid);
  return pid;
}

// Waits (up to a minute, polling) until `path` exists.
inline void wait_for(const std::string& path) {
  for (int i = 0; i < 3000 && !std::filesystem::exists(path); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  INFO(path);
  REQUIRE(std::filesystem::exists(path));
}

// Sends `sig` to the process and returns its exit code (-1 when killed by a signal).
inline int signal_and_wait(Spawned& p, int sig) {
  REQUIRE(kill(p.pid, sig) == 0);
  int status = 0;
  REQUIRE(waitpid(p.pid, &status, 0) == p.pid);
  p.reaped = true;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace ncore::test
