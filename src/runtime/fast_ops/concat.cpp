// Fast Concat: a pure byte copy. With static input shapes the output is viewed as `outer` rows
// (product of the dims before the axis), each the concatenation of one block per input (input
// i's block: dim_i(axis) x inner elements, inner = product of the dims after the axis). The
// output byte range is cut into fixed chunks; each chunk walks the (row, input) segments it
// covers and memcpys them, so rows, long blocks (axis 0: one row) and tiny blocks (channels-last
// axis 3) all split evenly over threads. Every byte is written by one thread (deterministic, and
// exact). Declined (reference): dynamic shapes, mismatched dtypes or ranks, an empty output,
// string/undefined dtypes.
#include <algorithm>
#include <cstring>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include "ir/ops/tensor.hpp"
#include "runtime/fast_kernel.hpp"
#include "runtime/fast_ops/families.hpp"
#include "runtime/parallel.hpp"

namespace sf::rt {

namespace {

// Bytes a thread should move before another thread is worth starting (a copy runs at tens of
// GB/s; below this a share costs about what an OpenMP fork/join does).
constexpr int64_t kMinBytesPerThread = 256 * 1024;
// Output bytes per work item.
constexpr int64_t kChunk = 16 * 1024;

class ConcatFastKernel final : public PreparedKernel {
 public:
  ConcatFastKernel(std::vector<Shape> in_shapes, Shape out_shape, DType dtype, int64_t outer,
                   std::vector<int64_t> block_bytes)
      : in_shapes_(std::move(in_shapes)), out_shape_(std::move(out_shape)), dtype_(dtype),
        outer_(outer), block_(std::move(block_bytes)), start_(block_.size() + 1, 0) {
    for (size_t i = 0; i < block_.size(); ++i) start_[i + 1] = start_[i] + block_[i];
  }

  std::string name() const override { return "concat__memcpy"; }

  Status run(KernelContext& ctx) const override {
    std::vector<const unsigned char*> src(in_shapes_.size());
    for (size_t i = 0; i < in_shapes_.size(); ++i) {
      const Tensor& x = ctx.input(i);
      if (x.shape() != in_shapes_[i] || x.dtype() != dtype_)
        return ctx.error("fast Concat was prepared for input " + std::to_string(i) + " shape " +
                         shape_str(in_shapes_[i]) + ", got " + x.describe());
      src[i] = static_cast<const unsigned char*>(x.raw());
    }
    SF_ASSIGN_OR_RETURN(Tensor * y, ctx.output(0, dtype_, out_shape_));
    auto* dst = static_cast<unsigned char*>(y->raw());
    const int64_t row = start_.back();
    const int64_t bytes = row * outer_;
    const int threads = static_cast<int>(std::clamp<int64_t>(
        bytes / kMinBytesPerThread, 1, std::max(1, ctx.threads)));
    const size_t n = block_.size();
    parallel_for(threads, (bytes + kChunk - 1) / kChunk, [&](int64_t b, int64_t e) {
      const int64_t lo = b * kChunk, hi = std::min(bytes, e * kChunk);
      int64_t r = lo / row, off = lo % row;
      size_t i = static_cast<size_t>(
          std::upper_bound(start_.begin(), start_.end(), off) - start_.begin() - 1);
      for (int64_t pos = lo; pos < hi;) {
        if (i == n) {  // next row
          ++r, i = 0, off = 0;
          continue;
        }
        const int64_t within = off - start_[i];
        const int64_t len = std::min(block_[i] - within, hi - pos);
        if (len > 0)
          std::memcpy(dst + pos, src[i] + r * block_[i] + within, static_cast<size_t>(len));
        pos += len, off += len;
        ++i;
      }
    });
    return Status::ok();
  }

 private:
  std::vector<Shape> in_shapes_;
  Shape out_shape_;
  DType dtype_;
  int64_t outer_;
  std::vector<int64_t> block_;  // bytes per row of each input
  std::vector<int64_t> start_;  // prefix sums of block_: offset of each input within a row
};

Result<std::unique_ptr<PreparedKernel>> prepare_concat(const PrepareContext& ctx) {
  const size_t k = ctx.num_inputs();
  if (k == 0) return std::unique_ptr<PreparedKernel>();
  std::vector<Shape> shapes;
  DType dt = DType::kUndefined;
  for (size_t i = 0; i < k; ++i) {
    const ir::TypeInfo* t = ctx.input_type(i);
    const Shape* s = ctx.has_input(i) ? ctx.static_input_shape(i) : nullptr;
    if (!t || !s) return std::unique_ptr<PreparedKernel>();
    if (i == 0) dt = t->dtype;
    if (t->dtype != dt || s->size() != ctx.static_input_shape(0)->size())
      return std::unique_ptr<PreparedKernel>();
    shapes.push_back(*s);
  }
  const size_t esize = dtype_size(dt);
  const int64_t rank = static_cast<int64_t>(shapes[0].size());
  if (esize == 0 || rank == 0) return std::unique_ptr<PreparedKernel>();
  int64_t axis = ctx.node.attrs_as<ir::AxisAttrs>().axis;
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank) return std::unique_ptr<PreparedKernel>();
  const auto ax = static_cast<size_t>(axis);
  Shape out = shapes[0];
  out[ax] = 0;
  for (const Shape& s : shapes) {
    for (size_t d = 0; d < s.size(); ++d)
      if (d != ax && s[d] != shapes[0][d]) return std::unique_ptr<PreparedKernel>();
    out[ax] += s[ax];
  }
  int64_t outer = 1, inner = 1;
  for (size_t d = 0; d < ax; ++d) outer *= out[d];
  for (size_t d = ax + 1; d < out.size(); ++d) inner *= out[d];
  if (outer * inner * out[ax] == 0) return std::unique_ptr<PreparedKernel>();
  std::vector<int64_t> block;
  for (const Shape& s : shapes) block.push_back(s[ax] * inner * static_cast<int64_t>(esize));
  return std::unique_ptr<PreparedKernel>(std::make_unique<ConcatFastKernel>(
      std::move(shapes), std::move(out), dt, outer, std::move(block)));
}

}  // namespace

void register_concat_fast_kernels() {
  register_fast_kernel(ir::OpKind::kConcat, prepare_concat);
}

}  // namespace sf::rt
