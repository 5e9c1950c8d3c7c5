// Input files are checked before they are read (issue 12): a directory or a missing file is named
// as such, and a file over its format's documented limit is refused before parsing, so a 100 MB
// YAML file never costs gigabytes of parser memory. The limits are in the README ("Limits").
// YAML and CSV: 1 MiB. yaml-cpp holds about 470 bytes per node, and YAML fits a node in a byte
// ("{0,0,...}", "[0:,...]"): 2 MiB of them took 1 GB, 16 MiB of "[0,0,...]" (a node per two
// bytes) 3.9 GB. At 1 MiB the worst measured is 0.5 GB; the largest shipped file is 23 KB.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <system_error>

namespace ncore::base {

constexpr uint64_t kMaxTextInputBytes = uint64_t{1} << 20;  // YAML and CSV: 1 MiB
constexpr const char* kMaxTextInputText = "1 MiB";
constexpr uint64_t kMaxOnnxBytes = uint64_t{2} << 30;  // ONNX: protobuf's 2 GiB

// What is wrong with reading `path` as an input of at most max_bytes ("" when nothing is).
inline std::string input_file_problem(const std::string& path, uint64_t max_bytes,
                                      const std::string& limit_text) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (ec || !fs::exists(st)) return "cannot open file (no such file)";
  if (fs::is_directory(st)) return "is a directory, not a file";
  if (!fs::is_regular_file(st)) return "";  // a pipe or device: read it as it comes
  const uintmax_t size = fs::file_size(path, ec);
  if (ec) return "cannot open file (" + ec.message() + ")";
  if (size > max_bytes)
    return "the file is " + std::to_string(size) + " bytes, over the limit of " + limit_text +
           " for this kind of input";
  return "";
}

}  // namespace ncore::base
