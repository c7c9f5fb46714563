// Fast MatMul, Gemm and FusedMatMul on the GEMM driver (kernels/cpu/gemm/gemm.hpp), fp32 only.
//
// MatMul: NumPy semantics with batch broadcasting. When B has a single batch (weights [K, N]),
// A's batch folds into the rows of one GEMM; otherwise every output batch is its own GEMM on the
// broadcast A and B blocks. Gemm: Y = alpha * op(A) op(B) + beta * C; alpha is folded into the
// packed B, a C that broadcasts along rows becomes the epilogue's bias, any other C is written
// into Y first and accumulated onto. FusedMatMul: Y = act(alpha * A op(B) + bias + R) maps onto the
// epilogue directly.
// A constant B is packed once at prepare when ExecOptions::pack_weights (else on every run, the
// ablation); a non-constant B is packed per run into scratch. Work is split over (batch, m block,
// n block) rectangles with rt::parallel_for; K is never split, so outputs are bit-identical for
// any thread count.
#include <algorithm>
#include <cstdlib>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "abft/gemm_checksum.hpp"
#include "core/fp_bounds.hpp"
#include "core/shape.hpp"
#include "ir/ops/fused.hpp"
#include "ir/ops/linalg.hpp"
#include "kernels/cpu/gemm/gemm.hpp"
#include "kernels/ref/broadcast.hpp"
#include "runtime/abft_guard.hpp"
#include "runtime/fast_kernel.hpp"
#include "runtime/fast_ops/families.hpp"
#include "runtime/parallel.hpp"
#include "runtime/scratch.hpp"

namespace sf::rt {

namespace {

// A page-aligned float buffer (packed operands and per-run scratch; not zeroed; ScratchFloats,
// so per-run scratch is the same memory every run), or none for zero floats.
class FloatBuffer {
 public:
  static Result<FloatBuffer> make(int64_t floats, int64_t max_bytes, const std::string& who) {
    FloatBuffer b;
    if (floats <= 0) return b;
    if (floats > max_bytes / 4)
      return resource_limit(who + ": scratch of " + std::to_string(floats * 4) +
                                " bytes exceeds the tensor memory limit");
    b.data_.emplace(floats);
    if (!*b.data_)
      return resource_limit(who + ": cannot allocate " + std::to_string(floats * 4) + " bytes");
    return b;
  }
  float* get() const { return data_ ? data_->data() : nullptr; }

 private:
  std::optional<ScratchFloats> data_;
};

enum class Form { kMatMul, kGemm, kFusedMatMul };

// The node's fixed parameters.
struct Spec {
  Form form = Form::kMatMul;
  bool trans_a = false, trans_b = false;
  float alpha = 1.0f, beta = 1.0f;
  ActivationSpec act;
};

// Operand geometry of one run (or of the constant B at prepare).
struct Geometry {
  int64_t m = 0, k = 0, n = 0;
  Shape a_batch, b_batch, out_batch, out_shape;
};

// B's batch dims, K and N from B's shape alone (rank >= 2 after promotion).
Status b_dims(const Spec& s, const Shape& b_shape, Shape& batch, int64_t& k, int64_t& n,
              const std::string& who) {
  Shape bs = b_shape;
  if (bs.size() == 1 && !s.trans_b) bs.push_back(1);
  if (s.form == Form::kGemm && bs.size() != 2)
    return invalid_argument(who + ": Gemm needs B of rank 2, got " + shape_str(b_shape));
  if (bs.size() < 2)
    return invalid_argument(who + ": trans_b needs B of rank >= 2, got " + shape_str(b_shape));
  k = s.trans_b ? bs[bs.size() - 1] : bs[bs.size() - 2];
  n = s.trans_b ? bs[bs.size() - 2] : bs[bs.size() - 1];
  batch.assign(bs.begin(), bs.end() - 2);
  return Status::ok();
}

Result<Geometry> geometry(const Spec& s, const Shape& a_shape, const Shape& b_shape,
                          const std::string& who) {
  Geometry g;
  int64_t kb = 0;
  SF_TRY(b_dims(s, b_shape, g.b_batch, kb, g.n, who));
  Shape as = a_shape;
  if (s.form == Form::kGemm) {
    if (as.size() != 2)
      return invalid_argument(who + ": Gemm needs A of rank 2, got " + shape_str(a_shape));
    g.m = s.trans_a ? as[1] : as[0];
    g.k = s.trans_a ? as[0] : as[1];
  } else {
    if (as.empty()) return invalid_argument(who + ": A must not be a scalar");
    if (as.size() == 1) as.insert(as.begin(), 1);
    g.m = as[as.size() - 2];
    g.k = as[as.size() - 1];
    g.a_batch.assign(as.begin(), as.end() - 2);
  }
  if (g.k != kb)
    return invalid_argument(who + ": inner dimensions differ: A " + shape_str(a_shape) + ", B " +
                            shape_str(b_shape));
  SF_ASSIGN_OR_RETURN(g.out_batch, broadcast_shapes(g.a_batch, g.b_batch));
  g.out_shape = g.out_batch;
  if (s.form == Form::kGemm || a_shape.size() > 1) g.out_shape.push_back(g.m);
  if (s.form == Form::kGemm || b_shape.size() > 1) g.out_shape.push_back(g.n);
  return g;
}

// Packs every batch of B (b_count blocks of plan.packed_b_floats()) in parallel over panels.
void pack_all(const Spec& s, const cpu::GemmPlan& plan, const float* b, int64_t b_count,
              int threads, float* dst) {
  const int64_t np = plan.n_panels(), per = plan.packed_b_floats();
  const int64_t ldb = s.trans_b ? plan.k : plan.n;
  const float alpha = s.form == Form::kMatMul ? 1.0f : s.alpha;
  parallel_for(threads, b_count * np, [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t) {
      const int64_t bi = t / np, p = t % np;
      cpu::gemm_pack_b(plan, b + bi * plan.k * plan.n, ldb, s.trans_b, alpha, p, p + 1,
                       dst + bi * per);
    }
  });
}

// Element offsets (in blocks) of A and B for each output batch index, NumPy broadcasting.
void batch_offsets(const Geometry& g, std::vector<int64_t>& a_idx, std::vector<int64_t>& b_idx) {
  const int64_t count = shape_numel_unchecked(g.out_batch);
  a_idx.assign(static_cast<size_t>(count), 0);
  b_idx.assign(static_cast<size_t>(count), 0);
  const std::vector<int64_t> as = ref::broadcast_strides(g.a_batch, g.out_batch);
  const std::vector<int64_t> bs = ref::broadcast_strides(g.b_batch, g.out_batch);
  std::vector<int64_t> idx(g.out_batch.size(), 0);
  for (int64_t o = 0; o < count; ++o) {
    int64_t ao = 0, bo = 0;
    for (size_t d = 0; d < idx.size(); ++d) ao += idx[d] * as[d], bo += idx[d] * bs[d];
    a_idx[static_cast<size_t>(o)] = ao;
    b_idx[static_cast<size_t>(o)] = bo;
    for (size_t d = idx.size(); d-- > 0;) {
      if (++idx[d] < g.out_batch[d]) break;
      idx[d] = 0;
    }
  }
}

// ABFT side data of one B (all its batches): the global scheme's row sums in fp64, or the tile
// scheme's checksum columns next to the packed panels.
struct BChecks {
  std::vector<double> sum, abs;  // [batch][k]
  FloatBuffer columns;           // [batch][plan.check_floats()]
};

Status make_b_checks(const Spec& s, const cpu::GemmPlan& plan, abft::Scheme scheme,
                     const float* b, int64_t b_count, const float* packed, int64_t max_bytes,
                     const std::string& who, BChecks& out) {
  if (scheme == abft::Scheme::kGlobal) {
    out.sum.resize(static_cast<size_t>(b_count * plan.k));
    out.abs.resize(out.sum.size());
    const double alpha = s.form == Form::kMatMul ? 1.0 : s.alpha;
    const int64_t ldb = s.trans_b ? plan.k : plan.n;
    for (int64_t i = 0; i < b_count; ++i)
      abft::weight_row_sums(b + i * plan.k * plan.n, ldb, s.trans_b, plan.k, plan.n, alpha,
                            out.sum.data() + i * plan.k, out.abs.data() + i * plan.k);
  } else if (scheme == abft::Scheme::kTile) {
    SF_ASSIGN_OR_RETURN(out.columns, FloatBuffer::make(b_count * plan.check_floats(), max_bytes, who));
    for (int64_t i = 0; i < b_count; ++i)
      cpu::gemm_pack_checks(plan, packed + i * plan.packed_b_floats(),
                            out.columns.get() + i * plan.check_floats());
  }
  return Status::ok();
}

class MatMulKernel final : public PreparedKernel {
 public:
  MatMulKernel(const cpu::BrgemmKernel& kern, Spec spec, std::string name, abft::Scheme abft)
      : kern_(&kern), spec_(spec), name_(std::move(name)), abft_(abft) {}

  std::string name() const override { return name_; }
  abft::Scheme abft_scheme() const override { return abft_; }

  // Packs the constant B once (called from the PrepareFn).
  Status pack_constant(const Tensor& b, int threads, const std::string& who) {
    Shape batch;
    int64_t k = 0, n = 0;
    SF_TRY(b_dims(spec_, b.shape(), batch, k, n, who));
    plan_ = cpu::gemm_plan(*kern_, k, n);
    const int64_t count = shape_numel_unchecked(batch);
    // The packed copy is the size of the constant, which the model already holds: no cap.
    SF_ASSIGN_OR_RETURN(packed_, FloatBuffer::make(count * plan_.packed_b_floats(),
                                                   std::numeric_limits<int64_t>::max(), who));
    pack_all(spec_, plan_, b.data<float>(), count, threads, packed_.get());
    SF_TRY(make_b_checks(spec_, plan_, abft_, b.data<float>(), count, packed_.get(),
                         std::numeric_limits<int64_t>::max(), who, checks_));
    packed_shape_ = b.shape();
    prepacked_ = true;
    return Status::ok();
  }

  Status run(KernelContext& ctx) const override;
  void verify_global(abft::CheckResult& r, const float* a, int64_t m, int64_t k, int64_t rows,
                     bool fold, int64_t groups, const std::vector<int64_t>& a_idx,
                     const std::vector<int64_t>& b_idx, const BChecks& checks,
                     const std::vector<double>& slots, double c0_sum, double c0_abs,
                     const cpu::GemmPlan& plan, int threads) const;
  std::vector<size_t> packed_inputs() const override {
    return prepacked_ ? std::vector<size_t>{1} : std::vector<size_t>{};
  }

 private:
  const cpu::BrgemmKernel* kern_;
  Spec spec_;
  std::string name_;
  abft::Scheme abft_;
  bool prepacked_ = false;
  cpu::GemmPlan plan_;
  Shape packed_shape_;
  FloatBuffer packed_;
  BChecks checks_;
};

Status MatMulKernel::run(KernelContext& ctx) const {
  const std::string who = ctx.node.label();
  const Tensor& a = ctx.input(0);
  const Tensor& b = ctx.input(1);
  if (a.dtype() != DType::kF32 || b.dtype() != DType::kF32)
    return ctx.error("fast kernel " + name_ + " needs float32 operands");
  SF_ASSIGN_OR_RETURN(const Geometry g, geometry(spec_, a.shape(), b.shape(), who));
  SF_ASSIGN_OR_RETURN(Tensor * y, ctx.output(0, DType::kF32, g.out_shape));
  if (y->numel() == 0) return Status::ok();
  const int threads = std::max(1, ctx.threads);
  const int64_t m = g.m, n = g.n, k = g.k;

  // Packed B: the prepared one, or packed now.
  const int64_t b_count = shape_numel_unchecked(g.b_batch);
  cpu::GemmPlan plan;
  const float* packed = nullptr;
  FloatBuffer packed_now;
  const abft::Scheme scheme = ctx.abft ? abft_ : abft::Scheme::kNone;
  BChecks checks_now;
  const BChecks* checks = &checks_;
  if (prepacked_) {
    if (b.shape() != packed_shape_)
      return ctx.error("constant B changed shape from " + shape_str(packed_shape_) + " to " +
                       shape_str(b.shape()));
    plan = plan_;
    packed = packed_.get();
  } else {
    plan = cpu::gemm_plan(*kern_, k, n);
    SF_ASSIGN_OR_RETURN(packed_now, FloatBuffer::make(b_count * plan.packed_b_floats(),
                                                      ctx.max_tensor_bytes, who));
    pack_all(spec_, plan, b.data<float>(), b_count, threads, packed_now.get());
    packed = packed_now.get();
    SF_TRY(make_b_checks(spec_, plan, scheme, b.data<float>(), b_count, packed,
                         ctx.max_tensor_bytes, who, checks_now));
    checks = &checks_now;
  }

  // A rows with unit stride along K (Gemm's transA is materialised).
  const float* a_data = a.data<float>();
  FloatBuffer a_t;
  if (spec_.trans_a) {
    SF_ASSIGN_OR_RETURN(a_t, FloatBuffer::make(m * k, ctx.max_tensor_bytes, who));
    float* d = a_t.get();
    parallel_for(threads, m, [&](int64_t i0, int64_t i1) {
      for (int64_t i = i0; i < i1; ++i)
        for (int64_t p = 0; p < k; ++p) d[i * k + p] = a_data[p * m + i];
    });
    a_data = a_t.get();
  }

  // The epilogue and whether C is accumulated onto.
  cpu::Epilogue ep;
  bool use_ep = false, accumulate = false;
  std::vector<float> bias_row;
  const float* residual = nullptr;
  float* yd = y->data<float>();
  if (spec_.form == Form::kGemm && ctx.has(2) && spec_.beta != 0.0f) {
    const Tensor& c = ctx.input(2);
    if (c.dtype() != DType::kF32) return ctx.error("C must be float32 like A and B");
    if (!broadcast_shapes(c.shape(), {m, n}).is_ok() || c.rank() > 2)
      return ctx.error("C of shape " + shape_str(c.shape()) + " does not broadcast to " +
                       shape_str({m, n}));
    const std::vector<int64_t> st = ref::broadcast_strides(c.shape(), {m, n});
    const float* cd = c.data<float>();
    if (st[0] == 0 || m == 1) {  // one row: the bias of every row
      bias_row.resize(static_cast<size_t>(n));
      for (int64_t j = 0; j < n; ++j) bias_row[static_cast<size_t>(j)] = spec_.beta * cd[j * st[1]];
      ep.bias = bias_row.data();
      use_ep = true;
    } else {
      parallel_for(threads, m, [&](int64_t i0, int64_t i1) {
        for (int64_t i = i0; i < i1; ++i)
          for (int64_t j = 0; j < n; ++j) yd[i * n + j] = spec_.beta * cd[i * st[0] + j * st[1]];
      });
      accumulate = true;
    }
  } else if (spec_.form == Form::kFusedMatMul) {
    ep.act = spec_.act;
    use_ep = true;
    if (ctx.has(2) && ctx.input(2).numel() > 0) {
      const Tensor& bias = ctx.input(2);
      if (bias.dtype() != DType::kF32 || bias.numel() != n)
        return ctx.error("bias " + bias.describe() + " must be float32 with " +
                         std::to_string(n) + " elements");
      ep.bias = bias.data<float>();
    }
    if (ctx.has(3) && ctx.input(3).numel() > 0) {
      const Tensor& r = ctx.input(3);
      if (r.dtype() != DType::kF32 || r.shape() != g.out_shape)
        return ctx.error("residual " + r.describe() + " must be float32 of the output shape " +
                         shape_str(g.out_shape));
      residual = r.data<float>();
      ep.ld_residual = n;
    }
  }

  // Rectangles: one GEMM of all rows when B has a single batch, else one GEMM per output batch.
  const bool fold = b_count == 1;
  const int64_t groups = fold ? 1 : shape_numel_unchecked(g.out_batch);
  const int64_t rows = fold ? shape_numel_unchecked(g.out_batch) * m : m;
  std::vector<int64_t> a_idx, b_idx;
  if (!fold) batch_offsets(g, a_idx, b_idx);
  // Rectangles of at most mc x nc, as even as whole register rows and panels allow (1000
  // columns in blocks of up to 192: 128 or 192 each, not five of 192 and one of 40).
  const EvenTiles mt = EvenTiles::at_most(rows, plan.kernel->mr, plan.mc / plan.kernel->mr);
  const EvenTiles nt = EvenTiles::at_most(n, plan.kernel->nr, plan.nc / plan.kernel->nr);
  const int64_t mblocks = mt.count, nblocks = nt.count;
  const int64_t per_b = plan.packed_b_floats();
  // ABFT: the C that is accumulated onto enters the global sum; one sum slot per rectangle keeps
  // the total independent of the thread count.
  double c0_sum = 0, c0_abs = 0;
  if (scheme == abft::Scheme::kGlobal && accumulate)
    for (int64_t i = 0; i < m * n; ++i) c0_sum += yd[i], c0_abs += std::fabs(yd[i]);
  std::vector<double> slots(scheme == abft::Scheme::kGlobal
                                ? static_cast<size_t>(groups * mblocks * nblocks) : 0, 0.0);
  cpu::TileCheckLog tile_log;
  // n-major within a group: consecutive rectangles share their column block of packed B.
  // Threads take runs of equal work (rows x columns) and then help each other finish.
  std::vector<double> work(static_cast<size_t>(groups * mblocks * nblocks) + 1, 0.0);
  for (int64_t t = 0; t + 1 < static_cast<int64_t>(work.size()); ++t) {
    const int64_t rest = t % (mblocks * nblocks);
    work[static_cast<size_t>(t) + 1] =
        work[static_cast<size_t>(t)] +
        static_cast<double>(mt.len(rest % mblocks) * nt.len(rest / mblocks));
  }
  parallel_for_stealing(threads, work, [&](int64_t t, int64_t next) {
    const int64_t grp = t / (mblocks * nblocks), rest = t % (mblocks * nblocks);
    const int64_t nb = rest / mblocks, mb = rest % mblocks;
    const int64_t ao = fold ? 0 : a_idx[static_cast<size_t>(grp)];
    const int64_t bo = fold ? 0 : b_idx[static_cast<size_t>(grp)];
    cpu::Epilogue e = ep;
    if (residual) e.residual = residual + grp * m * n;
    cpu::GemmArgs args;
    args.a = a_data + ao * m * k;
    args.lda = k;
    args.packed_b = packed + bo * per_b;
    args.c = yd + grp * m * n;
    args.ldc = n;
    args.accumulate = accumulate;
    args.epilogue = use_ep ? &e : nullptr;
    if (scheme == abft::Scheme::kGlobal) args.out_sum = &slots[static_cast<size_t>(t)];
    if (scheme == abft::Scheme::kTile) {
      args.checks = checks->columns.get() + bo * plan.check_floats();
      args.log = &tile_log;
    }
    if (next >= 0) {  // the thread's next rectangle, whose B the BRGEMM prefetches
      const int64_t next_grp = next / (mblocks * nblocks);
      args.next_packed_b = packed + (fold ? 0 : b_idx[static_cast<size_t>(next_grp)]) * per_b;
      args.next_n0 = nt.start((next % (mblocks * nblocks)) / mblocks);
    }
    cpu::gemm_tile(plan, args, mt.start(mb), mt.start(mb + 1), nt.start(nb), nt.start(nb + 1));
  });
  if (scheme == abft::Scheme::kGlobal)
    verify_global(*ctx.abft, a_data, m, k, rows, fold, groups, a_idx, b_idx, *checks, slots,
                  c0_sum, c0_abs, plan, threads);
  if (scheme == abft::Scheme::kTile) report_tiles(tile_log, *ctx.abft);
  return Status::ok();
}

// The global check: sum of the pre-epilogue outputs against sum_groups a_c . b_r (abft.md §2).
// Roundings counted in the bound: the k-term dot of every element, one add per k block, the
// register tile's sum (mr * nr / lanes registers and 16 lanes), and the C accumulated onto.
void MatMulKernel::verify_global(abft::CheckResult& r, const float* a, int64_t m, int64_t k,
                                 int64_t rows, bool fold, int64_t groups,
                                 const std::vector<int64_t>& a_idx, const std::vector<int64_t>& b_idx,
                                 const BChecks& checks, const std::vector<double>& slots,
                                 double c0_sum, double c0_abs, const cpu::GemmPlan& plan,
                                 int threads) const {
  std::vector<double> a_sum(static_cast<size_t>(k)), a_abs(a_sum.size());
  abft::Checksum total{c0_sum, c0_abs};
  for (int64_t g = 0; g < groups; ++g) {
    const float* ag = a + (fold ? 0 : a_idx[static_cast<size_t>(g)] * m * k);
    const int64_t bo = fold ? 0 : b_idx[static_cast<size_t>(g)];
    std::fill(a_sum.begin(), a_sum.end(), 0.0);
    std::fill(a_abs.begin(), a_abs.end(), 0.0);
    // Split over column ranges: every column's sum keeps its row order whatever the threads.
    constexpr int64_t kCols = 256;
    parallel_for(threads, (k + kCols - 1) / kCols, [&](int64_t c0, int64_t c1) {
      for (int64_t c = c0; c < c1; ++c) {
        const int64_t j0 = c * kCols, j1 = std::min(k, j0 + kCols);
        abft::add_column_sums(ag + j0, k, 0, fold ? rows : m, j1 - j0, a_sum.data() + j0,
                              a_abs.data() + j0);
      }
    });
    const abft::Checksum c = abft::checksum_dot(a_sum.data(), a_abs.data(),
                                                checks.sum.data() + bo * k,
                                                checks.abs.data() + bo * k, k);
    total.expected += c.expected;
    total.scale += c.scale;
  }
  double result = 0;
  for (double s : slots) result += s;
  const double n_round = static_cast<double>(k + plan.k_blocks()) + plan.kernel->mr * plan.kernel->nr + 32;
  r.result = result;
  r.checksum = total.expected;
  r.tolerance = checksum_tolerance(n_round, total.scale,
                                   static_cast<double>(groups) * static_cast<double>(fold ? rows : m) *
                                       static_cast<double>(plan.n) * static_cast<double>(k));
  r.verified = checksum_verifiable(r.checksum, r.tolerance);
  r.passed = checksum_agrees(r.result, r.checksum, r.tolerance);
}

bool all_f32(const PrepareContext& ctx) {
  for (size_t i = 0; i < ctx.num_inputs(); ++i) {
    const ir::TypeInfo* t = ctx.input_type(i);
    if (t && t->dtype != DType::kF32) return false;
  }
  return ctx.output_type(0).dtype == DType::kF32;
}

// The variant suffix of a BRGEMM kernel name ("avx512_12x32" of "brgemm_f32__avx512_12x32").
std::string tile_suffix(const cpu::BrgemmKernel& k) {
  const std::string s = k.name;
  const size_t p = s.find("__");
  return p == std::string::npos ? s : s.substr(p + 2);
}

Result<std::unique_ptr<PreparedKernel>> prepare(const PrepareContext& ctx, const Spec& spec,
                                                const std::string& family) {
  if (!all_f32(ctx) || ctx.num_inputs() < 2) return std::unique_ptr<PreparedKernel>();
  const cpu::BrgemmKernel& kern = cpu::brgemm_select(ctx.abft == abft::Scheme::kTile);
  std::string name = family + "_f32";
  if (spec.form == Form::kFusedMatMul) {
    if (ctx.has_input(2)) name += "_bias";
    if (ctx.has_input(3)) name += "_residual";
    if (spec.act.kind != Activation::kNone) name += std::string("_") + activation_name(spec.act.kind);
  }
  auto k = std::make_unique<MatMulKernel>(kern, spec, name + "__" + tile_suffix(kern), ctx.abft);
  const Tensor* b = ctx.constant(1);
  if (b && ctx.opts.pack_weights && b->dtype() == DType::kF32)
    SF_TRY(k->pack_constant(*b, ctx.opts.threads, ctx.node.label()));
  return std::unique_ptr<PreparedKernel>(std::move(k));
}

Result<std::unique_ptr<PreparedKernel>> prepare_matmul(const PrepareContext& ctx) {
  return prepare(ctx, Spec{}, "matmul");
}

Result<std::unique_ptr<PreparedKernel>> prepare_gemm(const PrepareContext& ctx) {
  const auto& at = ctx.node.attrs_as<ir::GemmAttrs>();
  Spec s;
  s.form = Form::kGemm;
  s.trans_a = at.trans_a;
  s.trans_b = at.trans_b;
  s.alpha = at.alpha;
  s.beta = at.beta;
  return prepare(ctx, s, "gemm");
}

Result<std::unique_ptr<PreparedKernel>> prepare_fused_matmul(const PrepareContext& ctx) {
  const auto& at = ctx.node.attrs_as<ir::FusedMatMulAttrs>();
  Spec s;
  s.form = Form::kFusedMatMul;
  s.trans_b = at.trans_b;
  s.alpha = at.alpha;
  s.act = at.act;
  return prepare(ctx, s, "matmul");
}

}  // namespace

void register_matmul_fast_kernels() {
  register_fast_kernel(ir::OpKind::kMatMul, prepare_matmul);
  register_fast_kernel(ir::OpKind::kGemm, prepare_gemm);
  register_fast_kernel(ir::OpKind::kFusedMatMul, prepare_fused_matmul);
}

}  // namespace sf::rt
