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
#include <stdexcept>
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
bool write_all(int fd, std::string_view text) {
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

// `.NAME.PID.tmp` beside `path`: unique to this process, hidden, and recognisably temporary.
std::string temp_path(const std::string& path) {
  const std::filesystem::path p(path);
  const std::string name = "." + p.filename().string() + "." + std::to_string(::getpid()) + ".tmp";
  return (p.parent_path() / name).string();
}

// The test hook of files.h: the write of a file named $NCORESIM_TEST_HOLD_FILE waits (up to 5
// minutes, longer than any test waits) with its temporary written and synced, not yet renamed.
bool g_fsync_each_file = true;  // set_fsync_each_file

void hold_if_asked(const std::string& path) {
  const char* hold = std::getenv("NCORESIM_TEST_HOLD_FILE");
  if (hold == nullptr || std::filesystem::path(path).filename() != hold) return;
  for (int i = 0; i < 3000; ++i) ::usleep(100000);
}

}  // namespace

void set_fsync_each_file(bool on) {
  g_fsync_each_file = on;
}

void throw_os_error(const std::string& action, const std::string& path, int err) {
  throw OutputError("cannot " + action + " " + path + ": " + std::strerror(err));
}

void write_file(const std::string& path, const std::string& text) {
  OutputFile f(path);
  f.write(text);
  f.commit();
}

// A target that is not a regular file (a device, a FIFO) is written in place, every step
// checked; any other goes to the temporary.
OutputFile::OutputFile(const std::string& path) : m_path(path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    if (S_ISDIR(st.st_mode)) throw_os_error("write", path, EISDIR);
    m_fd = ::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (m_fd < 0) throw_os_error("write", path, errno);
    return;
  }
  m_tmp = temp_path(path);
  set_temp(m_tmp);
  m_fd = ::open(m_tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (m_fd < 0) {
    g_temp_set = 0;
    throw_os_error("write", path, errno);
  }
}

OutputFile::~OutputFile() {
  if (m_fd < 0) return;
  ::close(m_fd);
  if (!m_tmp.empty()) {
    ::unlink(m_tmp.c_str());
    g_temp_set = 0;
  }
}

void OutputFile::fail(int err) {
  ::close(m_fd);
  m_fd = -1;
  if (!m_tmp.empty()) {
    ::unlink(m_tmp.c_str());
    g_temp_set = 0;
  }
  throw_os_error("write", m_path, err);
}

void OutputFile::write(std::string_view text) {
  if (m_fd < 0) throw std::logic_error("OutputFile::write after commit: " + m_path);
  if (!write_all(m_fd, text)) fail(errno);
}

void OutputFile::commit() {
  if (m_fd < 0) throw std::logic_error("OutputFile::commit twice: " + m_path);
  int err = 0;
  if (!m_tmp.empty() && g_fsync_each_file && ::fsync(m_fd) != 0) err = errno;
  if (err == 0 && !m_tmp.empty()) hold_if_asked(m_path);
  if (::close(m_fd) != 0 && err == 0) err = errno;
  m_fd = -1;
  if (err == 0 && !m_tmp.empty() && ::rename(m_tmp.c_str(), m_path.c_str()) != 0) err = errno;
  if (!m_tmp.empty()) {
    if (err != 0) ::unlink(m_tmp.c_str());
    g_temp_set = 0;
  }
  if (err != 0) throw_os_error("write", m_path, err);
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
