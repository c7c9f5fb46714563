// Wire-format scan of ModelProto.graph.initializer[*].raw_data (see wire_scan.hpp).
//
// Protobuf encoding, as far as it matters here: a message is a run of fields, each a varint tag
// (field number << 3 | wire type) followed by a varint (type 0), 8 bytes (1), a varint length and
// that many bytes (2, strings and sub-messages) or 4 bytes (5). Types 3 and 4 (groups) do not occur
// in ONNX; 6 and 7 do not exist. A varint has at most 10 bytes, a tag at most 5, a length at most 5
// and is below 2^31 (protobuf's limits).
#include "io/onnx/wire_scan.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>

namespace sf::onnx_io {

bool MemorySource::read(int64_t offset, void* dst, int64_t n) const {
  if (offset < 0 || n < 0 || offset > size_ || n > size_ - offset) return false;
  if (n > 0) std::memcpy(dst, data_ + offset, static_cast<size_t>(n));
  return true;
}

bool FileSource::read(int64_t offset, void* dst, int64_t n) const {
  if (offset < 0 || n < 0 || offset > size_ || n > size_ - offset) return false;
  auto* out = static_cast<char*>(dst);
  while (n > 0) {
    const ssize_t got = ::pread(fd_, out, static_cast<size_t>(n), static_cast<off_t>(offset));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;  // an error, or the file shrank under us
    out += got;
    offset += got;
    n -= got;
  }
  return true;
}

namespace {

constexpr uint64_t kWireVarint = 0;
constexpr uint64_t kWireFixed64 = 1;
constexpr uint64_t kWireLen = 2;
constexpr uint64_t kWireFixed32 = 5;
constexpr uint64_t len_tag(uint64_t field) { return (field << 3) | kWireLen; }
constexpr uint64_t kModelGraph = len_tag(7);        // ModelProto.graph
constexpr uint64_t kGraphInitializer = len_tag(5);  // GraphProto.initializer
constexpr uint64_t kTensorRawData = len_tag(9);     // TensorProto.raw_data
constexpr int kMaxVarintBytes = 10;
constexpr int kMaxTagBytes = 5;
constexpr int kMaxLengthBytes = 5;
constexpr int64_t kWindowBytes = 16 * 1024;

struct Varint {
  uint64_t value = 0;
  int bytes = 0;
  bool minimal = true;  // no redundant trailing 0x80 groups (the encoding protobuf writes)
};

// Reads the source forward through a small window: the scan touches tags and lengths only and
// skips payloads, so it never holds more than a window of the file.
class Reader {
 public:
  explicit Reader(const ByteSource& src) : src_(src), window_(kWindowBytes) {}

  int64_t pos() const { return pos_; }

  // A varint of at most `max_bytes` that ends before `end`.
  bool varint(int64_t end, int max_bytes, Varint& v) {
    v = Varint{};
    while (v.bytes < max_bytes && pos_ < end) {
      uint8_t b = 0;
      if (!byte(b)) return false;
      v.value |= uint64_t{b & 0x7fu} << (7 * v.bytes);  // max_bytes <= 10: shift <= 63
      ++v.bytes;
      if (!(b & 0x80)) {
        v.minimal = v.bytes == 1 || b != 0;
        return true;
      }
    }
    return false;
  }

  bool skip(int64_t n, int64_t end) {
    if (n < 0 || n > end - pos_) return false;
    pos_ += n;
    return true;
  }

  // Appends the source bytes [from, to) to `out`.
  bool copy(int64_t from, int64_t to, std::string& out) const {
    if (to <= from) return to == from;
    const size_t at = out.size();
    out.resize(at + static_cast<size_t>(to - from));
    return src_.read(from, out.data() + at, to - from);
  }

 private:
  bool byte(uint8_t& b) {
    if (pos_ >= src_.size()) return false;
    if (pos_ < window_start_ || pos_ >= window_start_ + window_len_) {
      window_start_ = pos_;
      window_len_ = std::min(kWindowBytes, src_.size() - pos_);
      if (!src_.read(window_start_, window_.data(), window_len_)) {
        window_len_ = 0;
        return false;
      }
    }
    b = window_[static_cast<size_t>(pos_ - window_start_)];
    ++pos_;
    return true;
  }

  const ByteSource& src_;
  std::vector<uint8_t> window_;
  int64_t window_start_ = 0;
  int64_t window_len_ = 0;
  int64_t pos_ = 0;
};

void put_varint(uint64_t v, std::string& out) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void put_len_field(uint64_t tag, const std::string& payload, std::string& out) {
  put_varint(tag, out);
  put_varint(payload.size(), out);
  out += payload;
}

// Skips the value of a field of wire type `wire` that must end by `end`.
bool skip_value(Reader& r, int64_t end, uint64_t wire) {
  Varint v;
  switch (wire) {
    case kWireVarint: return r.varint(end, kMaxVarintBytes, v);
    case kWireFixed64: return r.skip(8, end);
    case kWireLen:
      return r.varint(end, kMaxLengthBytes, v) &&
             v.value <= static_cast<uint64_t>(std::numeric_limits<int32_t>::max()) &&
             r.skip(static_cast<int64_t>(v.value), end);
    case kWireFixed32: return r.skip(4, end);
    default: return false;  // groups, and the wire types that do not exist
  }
}

// Walks the fields of a message that ends at `end`. Each field whose tag is `special` (written in
// one byte, with a minimal length) goes to `on_special(payload_bytes)`, which starts at its
// payload and must consume exactly that; every other field is copied to `out` unchanged.
template <typename OnSpecial>
bool scan_fields(Reader& r, int64_t end, uint64_t special, std::string& out,
                 OnSpecial&& on_special) {
  int64_t copy_from = r.pos();
  while (r.pos() < end) {
    const int64_t field_start = r.pos();
    Varint tag;
    if (!r.varint(end, kMaxTagBytes, tag) || tag.value > std::numeric_limits<uint32_t>::max() ||
        (tag.value >> 3) == 0)
      return false;
    if (tag.value != special) {
      if (!skip_value(r, end, tag.value & 7)) return false;
      continue;
    }
    Varint len;
    if (tag.bytes != 1 || !r.varint(end, kMaxLengthBytes, len) || !len.minimal ||
        len.value > static_cast<uint64_t>(std::numeric_limits<int32_t>::max()) ||
        static_cast<int64_t>(len.value) > end - r.pos())
      return false;
    if (!r.copy(copy_from, field_start, out)) return false;
    const int64_t payload_end = r.pos() + static_cast<int64_t>(len.value);
    if (!on_special(static_cast<int64_t>(len.value)) || r.pos() != payload_end) return false;
    copy_from = r.pos();
  }
  return r.pos() == end && r.copy(copy_from, end, out);
}

bool scan_tensor(Reader& r, int64_t end, std::string& out, RawDataRef& ref) {
  return scan_fields(r, end, kTensorRawData, out, [&](int64_t bytes) {
    if (ref.present()) return false;  // a repeated raw_data (the last wins): left to protobuf
    ref = RawDataRef{r.pos(), bytes};
    return r.skip(bytes, end);
  });
}

bool scan_graph(Reader& r, int64_t end, std::string& out, std::vector<RawDataRef>& refs) {
  return scan_fields(r, end, kGraphInitializer, out, [&](int64_t bytes) {
    std::string tensor;
    RawDataRef ref;
    if (!scan_tensor(r, r.pos() + bytes, tensor, ref)) return false;
    put_len_field(kGraphInitializer, tensor, out);
    refs.push_back(ref);
    return true;
  });
}

}  // namespace

std::optional<ScannedModel> scan_model(const ByteSource& src) {
  Reader r(src);
  ScannedModel m;
  bool have_graph = false;
  const bool ok = scan_fields(r, src.size(), kModelGraph, m.skeleton, [&](int64_t bytes) {
    if (have_graph) return false;  // a repeated graph is merged by protobuf: left to it
    have_graph = true;
    std::string graph;
    if (!scan_graph(r, r.pos() + bytes, graph, m.raw_data)) return false;
    put_len_field(kModelGraph, graph, m.skeleton);
    return true;
  });
  if (!ok) return std::nullopt;
  return m;
}

}  // namespace sf::onnx_io
