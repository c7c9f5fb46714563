// Fast Transpose (kernels/cpu/transpose). At prepare, with a static input shape, the permutation
// is canonicalised: size-1 axes are dropped and output axes whose input axes stay adjacent and in
// order are merged. The node is taken when that leaves the identity (a copy) or the batched swap
// [N, A, B, C] -> [N, B, A, C] (C == 1: the 2-D register-tile kernels, 4-byte elements; C > 1:
// memcpy runs of C elements, any element size); every other permutation, dynamic shape, empty
// tensor or 2/8-byte 2-D transpose runs on the reference. Work is split over (batch, blocks of
// the larger of A and B) or output rows; every element is moved by one thread (deterministic,
// and exact: the kernels only move bits).
#include <algorithm>
#include <cstring>
#include <memory>
#include <numeric>
#include <optional>
#include <string>
#include <vector>

#include "ir/ops/tensor.hpp"
#include "kernels/cpu/transpose/transpose.hpp"
#include "runtime/fast_kernel.hpp"
#include "runtime/fast_ops/families.hpp"
#include "runtime/parallel.hpp"

namespace sf::rt {

namespace {

// [n, a, b, c] -> [n, b, a, c]; identity: a plain copy.
struct TransposePlan {
  bool identity = false;
  int64_t n = 1, a = 1, b = 1, c = 1;
};

// Reduces (shape, perm) as described above; nullopt when the result is not one of our forms or
// perm is not a permutation of the axes.
std::optional<TransposePlan> canonicalise(const Shape& in, const std::vector<int64_t>& perm) {
  const size_t r = in.size();
  if (perm.size() != r) return std::nullopt;
  std::vector<bool> seen(r, false);
  for (int64_t p : perm) {
    if (p < 0 || p >= static_cast<int64_t>(r) || seen[static_cast<size_t>(p)]) return std::nullopt;
    seen[static_cast<size_t>(p)] = true;
  }
  // Groups of output axes whose input axes are consecutive: (first input axis, size).
  std::vector<std::pair<int64_t, int64_t>> groups;
  int64_t prev = -2;
  for (int64_t p : perm) {
    const int64_t d = in[static_cast<size_t>(p)];
    if (d == 1) continue;
    // Size-1 input axes between prev and p are dropped, so p continues prev's group when every
    // input axis strictly between them has size 1.
    bool adjacent = prev >= 0 && p > prev;
    for (int64_t q = prev + 1; adjacent && q < p; ++q)
      if (in[static_cast<size_t>(q)] != 1) adjacent = false;
    if (adjacent) groups.back().second *= d;
    else groups.emplace_back(p, d);
    prev = p;
  }
  TransposePlan plan;
  if (groups.size() <= 1) {
    plan.identity = true;
    return plan;
  }
  // order[i]: position in input order of output group i.
  std::vector<int64_t> first(groups.size());
  for (size_t i = 0; i < groups.size(); ++i) first[i] = groups[i].first;
  std::vector<int64_t> sorted = first;
  std::sort(sorted.begin(), sorted.end());
  std::vector<int64_t> order(groups.size());
  std::vector<int64_t> size_in(groups.size());
  for (size_t i = 0; i < groups.size(); ++i) {
    order[i] = std::lower_bound(sorted.begin(), sorted.end(), first[i]) - sorted.begin();
    size_in[static_cast<size_t>(order[i])] = groups[i].second;
  }
  using V = std::vector<int64_t>;
  if (order == V{1, 0}) {
    plan.a = size_in[0], plan.b = size_in[1];
  } else if (order == V{1, 0, 2}) {
    plan.a = size_in[0], plan.b = size_in[1], plan.c = size_in[2];
  } else if (order == V{0, 2, 1}) {
    plan.n = size_in[0], plan.a = size_in[1], plan.b = size_in[2];
  } else if (order == V{0, 2, 1, 3}) {
    plan.n = size_in[0], plan.a = size_in[1], plan.b = size_in[2], plan.c = size_in[3];
  } else {
    return std::nullopt;
  }
  return plan;
}

// Bytes each thread should at least move before another thread is worth starting: below about
// half a megabyte a thread's share takes less than an OpenMP fork/join costs on a busy machine
// (BERT's 384 KB head transposes run on one thread). A 224x224 RGB image (588 KB) is split:
// its NCHW -> NHWC transpose took 49 us on one thread; with the split, alternating pairs at 2
// threads gave MobileNetV2 -0.09..+0.03 ms, EfficientNet-Lite0 -0.14 ms (twice), BERT-base
// within noise.
constexpr int64_t kMinBytesPerThread = 512 * 1024;
// Rows or columns per work item of the 2-D transpose (a multiple of every tile).
constexpr int64_t kBlock = 64;

class TransposeFastKernel final : public PreparedKernel {
 public:
  TransposeFastKernel(const TransposePlan& plan, Shape in_shape, Shape out_shape, size_t esize)
      : plan_(plan), in_shape_(std::move(in_shape)), out_shape_(std::move(out_shape)),
        esize_(esize), k_(&cpu::transpose_select()) {}

  std::string name() const override {
    if (plan_.identity) return "transpose_copy__memcpy";
    if (plan_.c > 1) return "transpose_runs__memcpy";
    return k_->name;
  }

  Status run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    if (x.shape() != in_shape_ || dtype_size(x.dtype()) != esize_)
      return ctx.error("fast Transpose was prepared for shape " + shape_str(in_shape_) +
                       ", got " + x.describe());
    SF_ASSIGN_OR_RETURN(Tensor * y, ctx.output(0, x.dtype(), out_shape_));
    const auto* src = static_cast<const unsigned char*>(x.raw());
    auto* dst = static_cast<unsigned char*>(y->raw());
    const int64_t bytes = static_cast<int64_t>(x.nbytes());
    const int threads = static_cast<int>(std::clamp<int64_t>(
        bytes / kMinBytesPerThread, 1, std::max(1, ctx.threads)));
    const int64_t es = static_cast<int64_t>(esize_);
    const TransposePlan& p = plan_;
    if (p.identity) {
      constexpr int64_t kChunk = 64 * 1024;
      parallel_for(threads, (bytes + kChunk - 1) / kChunk, [&](int64_t b, int64_t e) {
        const int64_t lo = b * kChunk, hi = std::min(bytes, e * kChunk);
        std::memcpy(dst + lo, src + lo, static_cast<size_t>(hi - lo));
      });
      return Status::ok();
    }
    const int64_t slice = p.a * p.b * p.c * es;
    if (p.c > 1) {
      // Work item = one output row (n, b) of A runs.
      parallel_for(threads, p.n * p.b, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e;) {
          const int64_t n = i / p.b, j0 = i % p.b, j1 = std::min(p.b, j0 + (e - i));
          cpu::transpose_runs(src + n * slice, dst + n * slice, p.a, p.b, p.c * es, j0, j1);
          i += j1 - j0;
        }
      });
      return Status::ok();
    }
    // 2-D: split the longer of A (source rows) and B (source columns) into kBlock blocks.
    const bool split_rows = p.a >= p.b;
    const int64_t len = split_rows ? p.a : p.b;
    const int64_t blocks = (len + kBlock - 1) / kBlock;
    const cpu::Transpose2dFn fn = k_->fn;
    parallel_for(threads, p.n * blocks, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        const int64_t n = i / blocks, lo = (i % blocks) * kBlock, hi = std::min(len, lo + kBlock);
        const auto* s = reinterpret_cast<const uint32_t*>(src + n * slice);
        auto* d = reinterpret_cast<uint32_t*>(dst + n * slice);
        if (split_rows) fn(s + lo * p.b, p.b, d + lo, p.a, hi - lo, p.b);
        else fn(s + lo, p.b, d + lo * p.a, p.a, p.a, hi - lo);
      }
    });
    return Status::ok();
  }

 private:
  TransposePlan plan_;
  Shape in_shape_, out_shape_;
  size_t esize_;
  const cpu::TransposeKernel* k_;
};

Result<std::unique_ptr<PreparedKernel>> prepare_transpose(const PrepareContext& ctx) {
  const ir::TypeInfo* t = ctx.input_type(0);
  const Shape* in = ctx.static_input_shape(0);
  if (!t || !in) return std::unique_ptr<PreparedKernel>();
  const size_t esize = dtype_size(t->dtype);
  const int64_t numel = std::accumulate(in->begin(), in->end(), int64_t{1}, std::multiplies<>());
  if (esize == 0 || numel == 0) return std::unique_ptr<PreparedKernel>();
  const auto& a = ctx.node.attrs_as<ir::TransposeAttrs>();
  std::vector<int64_t> perm(in->size());
  if (a.perm) perm = *a.perm;
  else for (size_t i = 0; i < perm.size(); ++i) perm[i] = static_cast<int64_t>(perm.size() - 1 - i);
  const std::optional<TransposePlan> plan = canonicalise(*in, perm);
  if (!plan) return std::unique_ptr<PreparedKernel>();
  if (!plan->identity && plan->c == 1 && esize != 4) return std::unique_ptr<PreparedKernel>();
  Shape out(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) out[i] = (*in)[static_cast<size_t>(perm[i])];
  return std::unique_ptr<PreparedKernel>(
      std::make_unique<TransposeFastKernel>(*plan, *in, std::move(out), esize));
}

}  // namespace

void register_transpose_fast_kernels() {
  register_fast_kernel(ir::OpKind::kTranspose, prepare_transpose);
}

}  // namespace sf::rt
