// Checked, atomic output files (see files.h). POSIX calls rather than std::ofstream, whose
// close in a destructor drops the error that a full disk reports there.
#include "report/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

namespace ncore::report {
namespace {

// The temporary file of the write in progress, for a signal handler.
char g_temp[4096];
volatile std::sig_atomic_t g_temp_set = 0;

void set_temp(const std::string& path) {
  g_temp_set = 0;
  if (path.size() >= sizeof g_temp) return;
  std::memcpy(g_temp, path.c_str(), path.size() + 1);
  g_temp_set = 1;
}

// Writes all of text to fd; false (errno set) on the first failed write.
bool write_all(int fd, const std::string& text) {
  const char* p = text.data();
  size_t left = text.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) errno = EIO;
      return false;
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  return true;
}

// A target that is not a regular file (a device, a FIFO): written in place, every step checked.
void write_in_place(const std::string& path, const std::string& text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
  if (fd < 0) throw_os_error("write", path, errno);
  if (!write_all(fd, text)) {
    const int err = errno;
    ::close(fd);
    throw_os_error("write", path, err);
  }
  if (::close(fd) != 0) throw_os_error("write", path, errno);
}

// `.NAME.PID.tmp` beside `path`: unique to this process, hidden, and recognisably temporary.
std::string temp_path(const std::string& path) {
  const std::filesystem::path p(path);
  const std::string name = "." + p.filename().string() + "." + std::to_string(::getpid()) + ".tmp";
  return (p.parent_path() / name).string();
}

// The test hook of files.h: the write of a file named $NCORESIM_TEST_HOLD_FILE waits (up to 5
// minutes, longer than any test waits) with its temporary written and synced, not yet renamed.
void hold_if_asked(const std::string& path) {
  const char* hold = std::getenv("NCORESIM_TEST_HOLD_FILE");
  if (hold == nullptr || std::filesystem::path(path).filename() != hold) return;
  for (int i = 0; i < 3000; ++i) ::usleep(100000);
}

}  // namespace

void throw_os_error(const std::string& action, const std::string& path, int err) {
  throw OutputError("cannot " + action + " " + path + ": " + std::strerror(err));
}

void write_file(const std::string& path, const std::string& text) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    if (S_ISDIR(st.st_mode)) throw_os_error("write", path, EISDIR);
    write_in_place(path, text);
    return;
  }
  const std::string tmp = temp_path(path);
  set_temp(tmp);
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) {
    g_temp_set = 0;
    throw_os_error("write", path, errno);
  }
  int err = 0;
  if (!write_all(fd, text) || ::fsync(fd) != 0) err = errno;
  if (err == 0) hold_if_asked(path);
  if (::close(fd) != 0 && err == 0) err = errno;
  if (err == 0 && ::rename(tmp.c_str(), path.c_str()) != 0) err = errno;
  if (err != 0) ::unlink(tmp.c_str());
  g_temp_set = 0;
  if (err != 0) throw_os_error("write", path, err);
}

void make_dirs(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw_os_error("create directory", dir, ec.value());
}

void flush_stdout() {
  errno = 0;
  if (std::fflush(stdout) != 0 || std::ferror(stdout))
    throw_os_error("write", "stdout", errno != 0 ? errno : EIO);
}

const char* temp_file_in_progress() {
  return g_temp_set ? g_temp : nullptr;
}

bool read_text(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return !in.bad();
}

}  // namespace ncore::report
