// ONNX files mapped and parsed without their large weights (model_bytes.h). The scan follows the
// protobuf wire format (varint keys; wire types 0, 1, 2 and 5) through ModelProto.graph (field 7),
// GraphProto.initializer (5) and TensorProto.raw_data (9), numbers from onnx/onnx.proto; any other
// wire type, a length past the end or a bad varint sends the file to the plain parse instead.
#include "workload/onnx/model_bytes.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <fstream>

namespace ncore::workload::onnx {
namespace {

constexpr uint64_t kModelGraph = 7, kGraphInitializer = 5, kTensorRawData = 9;
constexpr int kVarint = 0, kFixed64 = 1, kBytes = 2, kFixed32 = 5;

bool read_varint(std::string_view s, size_t& pos, uint64_t& v) {
  v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (pos >= s.size()) return false;
    const auto b = static_cast<uint8_t>(s[pos++]);
    v |= uint64_t{b & 0x7fu} << shift;
    if ((b & 0x80) == 0) return true;
  }
  return false;
}

void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

// One field: its number and wire type, where it starts, and its payload [data, end).
struct Field {
  uint64_t number = 0;
  int type = 0;
  size_t start = 0, data = 0, end = 0;
};

bool next_field(std::string_view s, size_t& pos, Field& f) {
  f.start = pos;
  uint64_t key = 0, v = 0;
  if (!read_varint(s, pos, key)) return false;
  f.number = key >> 3;
  f.type = static_cast<int>(key & 7);
  f.data = pos;
  if (f.type == kVarint) {
    if (!read_varint(s, pos, v)) return false;
  } else if (f.type == kFixed64 || f.type == kFixed32) {
    const size_t n = f.type == kFixed64 ? 8 : 4;
    if (n > s.size() - pos) return false;
    pos += n;
  } else if (f.type == kBytes) {
    if (!read_varint(s, pos, v) || v > s.size() - pos) return false;
    f.data = pos;
    pos += v;
  } else {
    return false;  // groups (3, 4) and unknown wire types
  }
  f.end = pos;
  return true;
}

void put_bytes_field(std::string& out, uint64_t number, std::string_view payload) {
  put_varint(out, number << 3 | kBytes);
  put_varint(out, payload.size());
  out.append(payload);
}

// A TensorProto with its raw_data emptied when it holds at least min_bytes (then in `raw`).
bool strip_tensor(std::string_view t, size_t min_bytes, std::string& out, std::string_view& raw) {
  size_t pos = 0;
  Field f;
  while (pos < t.size()) {
    if (!next_field(t, pos, f)) return false;
    if (f.number == kTensorRawData && f.type == kBytes && f.end - f.data >= min_bytes) {
      raw = t.substr(f.data, f.end - f.data);
      put_bytes_field(out, kTensorRawData, {});
    } else {
      out.append(t.substr(f.start, f.end - f.start));
    }
  }
  return true;
}

// Copies message `m` into `out`, each bytes field numbered `number` replaced by what `rewrite`
// makes of its payload (rewrite(payload, new_payload) -> false: malformed); false when the scan
// cannot follow `m`.
template <class Rewrite>
bool rewrite_fields(std::string_view m, uint64_t number, std::string& out, const Rewrite& rewrite) {
  size_t pos = 0;
  Field f;
  std::string payload;
  while (pos < m.size()) {
    if (!next_field(m, pos, f)) return false;
    if (f.number != number || f.type != kBytes) {
      out.append(m.substr(f.start, f.end - f.start));
      continue;
    }
    payload.clear();
    if (!rewrite(m.substr(f.data, f.end - f.data), payload)) return false;
    put_bytes_field(out, number, payload);
  }
  return true;
}

// A GraphProto with its initializers stripped (strip_tensor); `index` counts them across graphs.
bool strip_graph(std::string_view g, size_t min_bytes, std::string& out, int& index,
                 std::map<int, std::string_view>& raw) {
  return rewrite_fields(g, kGraphInitializer, out, [&](std::string_view t, std::string& tensor) {
    std::string_view r;
    if (!strip_tensor(t, min_bytes, tensor, r)) return false;
    if (!r.empty()) raw[index] = r;
    ++index;
    return true;
  });
}

}  // namespace

bool strip_raw_data(std::string_view in, size_t min_bytes, std::string& stripped,
                    std::map<int, std::string_view>& raw) {
  stripped.clear();
  raw.clear();
  int index = 0;  // initializers in file order (a repeated graph field merges into one)
  return rewrite_fields(in, kModelGraph, stripped, [&](std::string_view g, std::string& graph) {
    return strip_graph(g, min_bytes, graph, index, raw);
  });
}

ModelBytes::~ModelBytes() {
  if (m_map) ::munmap(const_cast<char*>(m_map), m_size);
}

ModelBytes::Parsed ModelBytes::parse(const std::string& path, ::onnx::ModelProto& model) {
  // only a regular file is opened here: opening a pipe twice would lose what its writer sent
  struct stat sb {};
  const bool regular = ::stat(path.c_str(), &sb) == 0 && S_ISREG(sb.st_mode);
  const int fd = regular ? ::open(path.c_str(), O_RDONLY | O_CLOEXEC) : -1;
  if (fd >= 0 && ::fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0) {
    void* p = ::mmap(nullptr, static_cast<size_t>(sb.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
    if (p != MAP_FAILED) {
      m_map = static_cast<const char*>(p);
      m_size = static_cast<size_t>(sb.st_size);
    }
  }
  if (fd >= 0) ::close(fd);
  std::string stripped;
  std::map<int, std::string_view> raw;
  if (m_map && strip_raw_data({m_map, m_size}, kStripRawBytes, stripped, raw) &&
      stripped.size() <= static_cast<size_t>(INT_MAX)) {
    if (!model.ParseFromString(stripped)) return Parsed::not_protobuf;
    const auto& inits = model.graph().initializer();
    for (const auto& [i, bytes] : raw)
      if (i < inits.size()) m_raw[&inits.Get(i)] = bytes;
    return Parsed::ok;
  }
  std::ifstream in(path, std::ios::binary);  // a pipe, or a wire format the scan does not follow
  if (!in) return Parsed::cannot_open;
  return model.ParseFromIstream(&in) ? Parsed::ok : Parsed::not_protobuf;
}

std::string_view ModelBytes::raw_bytes(const ::onnx::TensorProto& t) const {
  auto it = m_raw.find(&t);
  return it == m_raw.end() ? std::string_view(t.raw_data()) : it->second;
}

}  // namespace ncore::workload::onnx
