// Helpers shared by the tests: scratch directories, writing small files, and running the
// ncoresim binary (for tests that compare several points: one process per point).
#pragma once
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "workload/graph.h"

namespace ncore::test {

inline std::string source_dir() {
  return NCORE_SOURCE_DIR;
}
inline std::string repo(const std::string& rel) {
  return source_dir() + "/" + rel;
}

// A fresh directory unique to this process and name.
inline std::string scratch(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("ncore_test_" + std::to_string(getpid()) + "_" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

inline std::string write(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

inline std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Result {
  int code = -1;
  std::string output;  // stdout and stderr
};

// Runs `ncoresim ARGS` from the repository root.
inline Result ncoresim(const std::string& args) {
  const std::string cmd = "cd '" + source_dir() + "' && SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1 '" +
                          NCORESIM_BIN + "' " + args + " 2>&1";
  Result r;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
  const int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

// The layer of graph g called `name` (fails the test when there is none).
inline const workload::Layer& find_layer(const workload::Graph& g, const std::string& name) {
  for (const auto& l : g.layers)
    if (l.name == name) return l;
  FAIL("no layer " << name);
  throw;
}

}  // namespace ncore::test
