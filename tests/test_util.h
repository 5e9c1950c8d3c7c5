// Helpers shared by the tests: scratch directories, writing small files, running the ncoresim
// binary (for tests that compare several points: one process per point) and reading its CSV
// outputs by column name. Whole runs (tiny_run, simulate) are in test_runs.h.
#pragma once
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

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

// `out` without ASan's one-time note on SystemC's coroutine stacks, which only the sanitizer
// build prints (scripts/test_sanitizers.sh): "==PID==WARNING: ASan is ignoring requested
// __asan_handle_no_return: ..." through "... sanitizers/issues/189" and its line end. ASan writes
// it unbuffered, so it can land in the middle of a line the program is writing.
inline std::string without_asan_stack_note(std::string out) {
  const std::string head = "==WARNING: ASan is ignoring requested __asan_handle_no_return";
  const std::string tail = "sanitizers/issues/189";
  for (size_t at = out.find(head); at != std::string::npos; at = out.find(head)) {
    size_t begin = at;  // back over "==PID"
    while (begin > 0 && std::isdigit(static_cast<unsigned char>(out[begin - 1]))) --begin;
    if (begin >= 2 && out.compare(begin - 2, 2, "==") == 0) begin -= 2;
    size_t end = out.find(tail, at);
    end = end == std::string::npos ? out.find('\n', at) : out.find('\n', end);
    out.erase(begin, end == std::string::npos ? std::string::npos : end + 1 - begin);
  }
  return out;
}

// Runs a shell command line from the repository root: its exit code and output (stdout and
// stderr, less without_asan_stack_note). Exit code -1 when it did not exit normally or could
// not start.
inline Result run_command(const std::string& command) {
  const std::string cmd =
      "cd '" + source_dir() + "' && SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1 " + command + " 2>&1";
  Result r;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
  const int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.output = without_asan_stack_note(std::move(r.output));
  return r;
}

// Runs `ncoresim ARGS` from the repository root.
inline Result ncoresim(const std::string& args) {
  return run_command(std::string("'") + NCORESIM_BIN + "' " + args);
}

// The layer of graph g called `name` (fails the test when there is none).
inline const workload::Layer& find_layer(const workload::Graph& g, const std::string& name) {
  for (const auto& l : g.layers)
    if (l.name == name) return l;
  FAIL("no layer " << name);
  throw;
}

// A CSV text with a header line (layers.csv, sweep.csv, best.csv) read by column name. A cell
// "in quotes" may hold commas and "" for a quote (report::csv_cell writes them so); a trailing
// comma is one more, empty, cell. Every row must have as many cells as the header.
class Csv {
 public:
  explicit Csv(const std::string& text) {
    std::vector<std::vector<std::string>> lines = split(text);
    REQUIRE_FALSE(lines.empty());
    m_header = std::move(lines.front());
    m_rows.assign(std::make_move_iterator(lines.begin() + 1), std::make_move_iterator(lines.end()));
    for (size_t r = 0; r < m_rows.size(); ++r) {
      INFO("CSV row " << r + 1);
      REQUIRE(m_rows[r].size() == m_header.size());
    }
  }

  size_t rows() const { return m_rows.size(); }
  const std::vector<std::string>& header() const { return m_header; }

  // The cell of `row` (0: the first line after the header) in `column`.
  const std::string& at(size_t row, const std::string& column) const {
    REQUIRE(row < m_rows.size());
    return m_rows[row][col(column)];
  }
  double number(size_t row, const std::string& column) const { return std::stod(at(row, column)); }
  uint64_t count(size_t row, const std::string& column) const {
    return std::stoull(at(row, column));
  }
  // The first row whose `column` holds `value` (fails the test when there is none).
  size_t find(const std::string& column, const std::string& value) const {
    for (size_t r = 0; r < m_rows.size(); ++r)
      if (at(r, column) == value) return r;
    FAIL("no row with " << column << " = " << value);
    throw;
  }
  // The sum of a column of whole numbers.
  uint64_t sum(const std::string& column) const {
    uint64_t total = 0;
    for (size_t r = 0; r < m_rows.size(); ++r) total += count(r, column);
    return total;
  }

 private:
  size_t col(const std::string& column) const {
    const auto it = std::find(m_header.begin(), m_header.end(), column);
    INFO("CSV column " << column);
    REQUIRE(it != m_header.end());
    return static_cast<size_t>(it - m_header.begin());
  }

  static std::vector<std::vector<std::string>> split(const std::string& text) {
    std::vector<std::vector<std::string>> lines;
    std::vector<std::string> cells;
    std::string cell;
    bool quoted = false, in_line = false;
    for (size_t i = 0; i < text.size(); ++i) {
      const char c = text[i];
      in_line = true;
      if (quoted) {
        if (c != '"')
          cell += c;
        else if (i + 1 < text.size() && text[i + 1] == '"')
          cell += text[++i];
        else
          quoted = false;
      } else if (c == '"') {
        quoted = true;
      } else if (c == ',') {
        cells.push_back(std::move(cell));
        cell.clear();
      } else if (c == '\n') {
        cells.push_back(std::move(cell));
        cell.clear();
        lines.push_back(std::move(cells));
        cells.clear();
        in_line = false;
      } else {
        cell += c;
      }
    }
    REQUIRE_FALSE(quoted);
    if (in_line) {
      cells.push_back(std::move(cell));
      lines.push_back(std::move(cells));
    }
    return lines;
  }

  std::vector<std::string> m_header;
  std::vector<std::vector<std::string>> m_rows;
};

}  // namespace ncore::test
