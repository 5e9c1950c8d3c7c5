// Output files that a full disk, a file-size limit or a signal never leave truncated: the text
// goes to a temporary file beside its target (`.NAME.PID.tmp`), checked at every write, at
// fsync and at close, and is then renamed into place; on any failure the temporary is removed
// and the target is left as it was. A target that exists and is not a regular file
// (/dev/stdout, a FIFO, /dev/full) is written in place, checked the same way.
// Test hook: NCORESIM_TEST_HOLD_FILE=NAME makes the write of a file named NAME wait (up to 5
// minutes) once its temporary is written and synced, before the rename, so a test can signal a
// command mid-write.
#pragma once
#include <stdexcept>
#include <string>
#include <string_view>

namespace ncore::report {

// An output that could not be written: one line naming the file and the OS reason. The cli
// exits 4 on it.
class OutputError : public std::runtime_error {
 public:
  explicit OutputError(const std::string& what) : std::runtime_error(what) {}
};

// "cannot ACTION PATH: <strerror(err)>" as an OutputError.
[[noreturn]] void throw_os_error(const std::string& action, const std::string& path, int err);

// Writes `text` to `path` as above; throws OutputError.
void write_file(const std::string& path, const std::string& text);

// The same for a text written in pieces (trace.json: no need to hold it whole): each write()
// goes to the temporary (or in place), commit() syncs, closes and renames it into place. An
// OutputFile destroyed uncommitted (an exception while producing the text) removes its
// temporary and leaves the target as it was. Every failure throws OutputError.
class OutputFile {
 public:
  explicit OutputFile(const std::string& path);
  ~OutputFile();
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;
  void write(std::string_view text);
  void commit();

 private:
  [[noreturn]] void fail(int err);  // closes, removes the temporary, throws

  const std::string m_path;
  std::string m_tmp;  // empty: written in place
  int m_fd = -1;      // -1 once committed or failed
};

// Whether OutputFile::commit fsyncs the file before renaming it into place (default true). A
// sweep's group processes turn it off: their points' files go to temporary folders, synced by
// one syncfs for the group before the sweep renames them into place.
void set_fsync_each_file(bool on);

// Creates `dir` and its parents (nothing when it exists); throws OutputError.
void make_dirs(const std::string& dir);

// Flushes stdout and throws OutputError ("stdout") when anything printed to it was lost.
void flush_stdout();

// The temporary file being written now (a NUL-terminated path), or nullptr. Async-signal-safe:
// a SIGINT/SIGTERM handler may unlink it before the process exits.
const char* temp_file_in_progress();

// A whole file's bytes into out; false when it cannot be opened or read.
bool read_text(const std::string& path, std::string& out);

}  // namespace ncore::report
