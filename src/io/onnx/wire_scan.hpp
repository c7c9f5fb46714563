// Initializer payloads kept out of the parsed ModelProto.
//
// Parsing a whole model with protobuf puts every initializer's raw_data into a std::string of the
// ModelProto; converting them into tensors then overlaps the two copies (and protobuf grows strings
// over 50 MB by doubling). scan_model() walks only the wire format of
// ModelProto.graph (field 7) -> GraphProto.initializer (field 5) -> TensorProto.raw_data (field 9)
// and returns the "skeleton": the file's bytes with those raw_data fields left out (every other
// field copied byte for byte, the lengths of the enclosing graph and initializers re-encoded),
// plus where each initializer's payload lies in the source. The loader parses the skeleton with
// protobuf as before and reads each payload straight into its tensor, so loading holds about one
// copy of the weights.
//
// The scan is conservative: anything it does not expect (truncation, an over-long or oversized
// varint, groups, wire types 6 and 7, a non-minimal tag or length on the fields it rewrites, a
// second graph field or a second raw_data in one initializer) makes it return nothing, and the
// loader parses the whole file the ordinary way. Malformed files therefore get protobuf's own
// verdict and the loader's usual messages; the scan only ever changes where the bytes of a file
// protobuf accepts are read from.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sf::onnx_io {

// Random-access bytes: a model in memory or an open file.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  virtual int64_t size() const = 0;
  // Copies [offset, offset + n) to dst; callers stay inside size(). False on a read error.
  [[nodiscard]] virtual bool read(int64_t offset, void* dst, int64_t n) const = 0;
};

class MemorySource final : public ByteSource {
 public:
  MemorySource(const void* data, int64_t size) : data_(static_cast<const char*>(data)), size_(size) {}
  int64_t size() const override { return size_; }
  bool read(int64_t offset, void* dst, int64_t n) const override;

 private:
  const char* data_;
  int64_t size_;
};

// Reads with pread; the caller keeps the descriptor open while the source is used.
class FileSource final : public ByteSource {
 public:
  FileSource(int fd, int64_t size) : fd_(fd), size_(size) {}
  int64_t size() const override { return size_; }
  bool read(int64_t offset, void* dst, int64_t n) const override;

 private:
  int fd_;
  int64_t size_;
};

// Where one initializer's raw_data lies in the source; offset -1 when it has none.
struct RawDataRef {
  int64_t offset = -1;
  int64_t size = 0;
  bool present() const { return offset >= 0; }
};

struct ScannedModel {
  std::string skeleton;                 // the model without the initializers' raw_data
  std::vector<RawDataRef> raw_data;     // one per ModelProto.graph.initializer, in order
};

// Nothing when the file is not plain enough to rewrite (see above); then parse it whole.
std::optional<ScannedModel> scan_model(const ByteSource& src);

}  // namespace sf::onnx_io
