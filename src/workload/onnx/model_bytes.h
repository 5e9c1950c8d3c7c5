// Loading an ONNX file without copying its weights (issue 13's inspect speed): the file is mapped
// into memory, and the protobuf parsed is a copy of it whose large initializer raw_data fields
// are emptied (kept present, 0 bytes, so a size check fails as for any truncated data); their
// bytes stay readable through raw_bytes(). Parsing VGG-16-BN's 553 MB that way skips the growing
// string copies that took most of inspect's time. Leaves out external data (never opened).
#pragma once
#include <onnx/onnx_pb.h>

#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace ncore::workload::onnx {

// Initializers whose raw_data is at least this many bytes are not copied into the protobuf
// (tensor_values() reads at most 4096 elements of 8 bytes, 32 KiB).
constexpr size_t kStripRawBytes = size_t{64} << 10;

class ModelBytes {
 public:
  ModelBytes() = default;
  ModelBytes(const ModelBytes&) = delete;
  ModelBytes& operator=(const ModelBytes&) = delete;
  ~ModelBytes();

  enum class Parsed { ok, cannot_open, not_protobuf };
  // Parses `path` into model. A file that cannot be mapped (a pipe) or whose wire format the
  // scan does not follow is parsed as it is.
  Parsed parse(const std::string& path, ::onnx::ModelProto& model);
  // The raw_data of initializer t of the parsed model: its bytes in the mapped file when they
  // were left out of the protobuf, else t.raw_data().
  std::string_view raw_bytes(const ::onnx::TensorProto& t) const;

 private:
  const char* m_map = nullptr;
  size_t m_size = 0;
  std::map<const ::onnx::TensorProto*, std::string_view> m_raw;
};

// The scan behind parse(), on bytes in memory (tested directly): `stripped` is the ModelProto
// `in` with the raw_data of each top-level graph initializer of at least min_bytes emptied;
// `raw` the left-out bytes by initializer index. False when the wire format is not followed.
bool strip_raw_data(std::string_view in, size_t min_bytes, std::string& stripped,
                    std::map<int, std::string_view>& raw);

}  // namespace ncore::workload::onnx
