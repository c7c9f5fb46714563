#include "faults/dataset.hpp"

#include <zlib.h>

#include <cstring>
#include <memory>

#include "faults/rng.hpp"
#include "io/npy/npy.hpp"

namespace sf::faults {

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Splits `data` ([N, ...] or one item) into items of `shape`, converting to float32.
Result<std::vector<Tensor>> split_items(const Tensor& data, const Shape& shape, double scale,
                                        const std::string& what) {
  const int64_t item = shape_numel_unchecked(shape);
  if (data.dtype() != DType::kF32 && data.dtype() != DType::kU8)
    return invalid_argument(what + ": dtype " + dtype_name(data.dtype()) +
                            " (float32 or uint8 expected)");
  if (item <= 0 || data.numel() % item != 0)
    return invalid_argument(what + ": " + data.describe() + " does not hold whole items of shape " +
                            shape_str(shape));
  const int64_t n = data.numel() / item;
  // One item of the shape, or [N, item dims...] where leading 1s (batch, channel) are optional.
  auto core = [](Shape s) {
    while (!s.empty() && s.front() == 1) s.erase(s.begin());
    return s;
  };
  const Shape tail = data.rank() > 0 ? Shape(data.shape().begin() + 1, data.shape().end()) : Shape{};
  const bool ok = data.shape() == shape || core(tail) == core(shape);
  if (!ok)
    return invalid_argument(what + ": " + data.describe() + " is neither one item of shape " +
                            shape_str(shape) + " nor a stack of them");
  std::vector<Tensor> items;
  for (int64_t i = 0; i < n; ++i) {
    SF_ASSIGN_OR_RETURN(Tensor t, Tensor::make(DType::kF32, shape));
    float* dst = t.data<float>();
    if (data.dtype() == DType::kF32) {
      std::memcpy(dst, data.data<float>() + i * item, static_cast<size_t>(item) * 4);
    } else {
      const uint8_t* src = data.data<uint8_t>() + i * item;
      for (int64_t j = 0; j < item; ++j) dst[j] = static_cast<float>(src[j] * scale);
    }
    items.push_back(std::move(t));
  }
  return items;
}

// IDX (LeCun's format): magic 0x00000803 for uint8 rank-3 data, big-endian dims, then bytes.
Result<Tensor> read_idx_images(const std::string& path) {
  std::unique_ptr<gzFile_s, int (*)(gzFile)> f(gzopen(path.c_str(), "rb"), gzclose);
  if (!f) return invalid_argument("cannot open '" + path + "'");
  unsigned char head[16];
  if (gzread(f.get(), head, 16) != 16) return invalid_argument("'" + path + "': truncated IDX header");
  auto be = [&](int at) {
    return (int64_t{head[at]} << 24) | (int64_t{head[at + 1]} << 16) | (int64_t{head[at + 2]} << 8) | head[at + 3];
  };
  if (be(0) != 0x803)
    return invalid_argument("'" + path + "': IDX magic " + std::to_string(be(0)) +
                            ", expected 2051 (uint8 images, rank 3)");
  const int64_t n = be(4), h = be(8), w = be(12);
  if (n <= 0 || h <= 0 || w <= 0 || n * h * w > (int64_t{1} << 31))
    return invalid_argument("'" + path + "': IDX dims " + std::to_string(n) + "x" + std::to_string(h) +
                            "x" + std::to_string(w) + " out of range");
  SF_ASSIGN_OR_RETURN(Tensor t, Tensor::make(DType::kU8, Shape{n, h, w}));
  const auto bytes = static_cast<unsigned>(t.nbytes());
  if (gzread(f.get(), t.raw(), bytes) != static_cast<int>(bytes))
    return invalid_argument("'" + path + "': IDX data shorter than " + std::to_string(n) + " images");
  return t;
}

}  // namespace

Result<Dataset> load_dataset(const rt::Session& session, const std::string& source,
                             const DatasetOptions& opts) {
  const auto inputs = session.inputs();
  if (inputs.size() != 1)
    return invalid_argument("campaign data: the model has " + std::to_string(inputs.size()) +
                            " inputs; --data feeds models with one input");
  const rt::IoInfo& in = inputs[0];
  if (!in.type.shape || in.type.dtype != DType::kF32)
    return invalid_argument("campaign data: input '" + in.name + "' must be float32 with a known rank");
  Shape shape = *in.type.shape;
  for (int64_t& d : shape) d = d < 0 ? 1 : d;  // free dimensions (batch): 1
  std::vector<Tensor> items;
  Dataset d;
  if (source.rfind("random:", 0) == 0) {
    const std::string count = source.substr(7);
    char* end = nullptr;
    const long n = std::strtol(count.c_str(), &end, 10);
    if (count.empty() || *end || n < 1 || n > 1000000)
      return invalid_argument("campaign data '" + source + "': random:N needs 1 <= N <= 1e6");
    for (long i = 0; i < n; ++i) {
      Rng rng(opts.seed, static_cast<uint64_t>(i));
      SF_ASSIGN_OR_RETURN(Tensor t, Tensor::make(DType::kF32, shape));
      for (int64_t j = 0; j < t.numel(); ++j) t.data<float>()[j] = static_cast<float>(rng.uniform());
      items.push_back(std::move(t));
    }
  } else {
    Tensor raw;
    if (ends_with(source, ".npy")) {
      SF_ASSIGN_OR_RETURN(raw, npy::read_npy(source));
    } else if (source.find("idx3") != std::string::npos) {
      SF_ASSIGN_OR_RETURN(raw, read_idx_images(source));
    } else {
      return invalid_argument("campaign data '" + source +
                              "': expected FILE.npy, an IDX image file (*idx3-ubyte[.gz]) or random:N");
    }
    SF_ASSIGN_OR_RETURN(items, split_items(raw, shape, opts.scale, "campaign data '" + source + "'"));
  }
  if (opts.offset < 0) return invalid_argument("campaign data offset must not be negative");
  if (opts.offset >= static_cast<int64_t>(items.size()))
    return invalid_argument("campaign data '" + source + "' has " + std::to_string(items.size()) +
                            " items; an offset of " + std::to_string(opts.offset) + " leaves none");
  items.erase(items.begin(), items.begin() + opts.offset);
  if (opts.limit > 0 && static_cast<int64_t>(items.size()) > opts.limit) items.resize(static_cast<size_t>(opts.limit));
  for (Tensor& t : items) d.items.push_back({{in.name, std::move(t)}});
  d.description = source + ": " + std::to_string(d.items.size()) + " items" +
                  (opts.offset > 0 ? " from item " + std::to_string(opts.offset) : std::string()) +
                  " of float32" + shape_str(shape);
  return d;
}

}  // namespace sf::faults
