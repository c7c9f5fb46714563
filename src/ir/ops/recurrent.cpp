// Recurrent ops (RNN, GRU, LSTM): typed attributes, validation and inference.
//
// Opset notes: versions 1 (RNN-1/GRU-1/LSTM-1 carry `output_sequence`, which only says whether Y is
// wanted: it is accepted and ignored, Y is produced when the node lists it), GRU-3 adds
// `linear_before_reset`, 7 drops `output_sequence`, 14 adds `layout`. The equations are the same in
// every version.
#include "ir/ops/recurrent.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "ir/op_schema.hpp"

namespace sf::ir {

namespace {

// The cap keeps gates * hidden_size (and twice that for B) far from int64 overflow.
constexpr int64_t kMaxHiddenSize = int64_t{1} << 32;

struct ActivationInfo {
  const char* name;  // lower case
  RnnActivationKind kind;
  int params;         // 0: none, 1: alpha, 2: alpha and beta
  float alpha, beta;  // defaults (those of the matching ONNX operators)
};

constexpr ActivationInfo kActivations[] = {
    {"relu", RnnActivationKind::kRelu, 0, 0.f, 0.f},
    {"tanh", RnnActivationKind::kTanh, 0, 0.f, 0.f},
    {"sigmoid", RnnActivationKind::kSigmoid, 0, 0.f, 0.f},
    {"affine", RnnActivationKind::kAffine, 2, 1.f, 0.f},
    {"leakyrelu", RnnActivationKind::kLeakyRelu, 1, 0.01f, 0.f},
    {"thresholdedrelu", RnnActivationKind::kThresholdedRelu, 1, 1.f, 0.f},
    {"scaledtanh", RnnActivationKind::kScaledTanh, 2, 1.f, 1.f},
    {"hardsigmoid", RnnActivationKind::kHardSigmoid, 2, 0.2f, 0.5f},
    {"elu", RnnActivationKind::kElu, 1, 1.f, 0.f},
    {"softsign", RnnActivationKind::kSoftsign, 0, 0.f, 0.f},
    {"softplus", RnnActivationKind::kSoftplus, 0, 0.f, 0.f},
};

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Reads the attributes shared by RNN, GRU and LSTM. `gates`: 1, 3 or 4; `default_acts`: the
// activations of one direction when the attribute is absent.
Status parse_recurrent(Node& node, int64_t gates, std::vector<std::string> default_acts) {
  AttrReader r(node);
  auto a = std::make_shared<RecurrentAttrs>();
  a->gates = gates;
  SF_ASSIGN_OR_RETURN(a->hidden_size, r.get_int("hidden_size", -1));
  if (r.has("hidden_size") && (a->hidden_size <= 0 || a->hidden_size > kMaxHiddenSize))
    return r.error("hidden_size", "must be in [1, " + std::to_string(kMaxHiddenSize) + "], got " +
                                      std::to_string(a->hidden_size));
  SF_ASSIGN_OR_RETURN(std::string dir, r.get_string("direction", "forward"));
  if (dir == "forward") {
    a->direction = RnnDirection::kForward;
  } else if (dir == "reverse") {
    a->direction = RnnDirection::kReverse;
  } else if (dir == "bidirectional") {
    a->direction = RnnDirection::kBidirectional;
  } else {
    return r.error("direction", "must be forward, reverse or bidirectional, got '" + dir + "'");
  }
  a->num_directions = a->direction == RnnDirection::kBidirectional ? 2 : 1;

  const size_t per_dir = default_acts.size();
  SF_ASSIGN_OR_RETURN(std::vector<std::string> names, r.get_strings("activations"));
  if (names.empty()) {
    for (int64_t d = 0; d < a->num_directions; ++d)
      names.insert(names.end(), default_acts.begin(), default_acts.end());
  } else if (names.size() == per_dir && a->num_directions == 2) {
    // One set given for a bidirectional node: both directions use it.
    names.insert(names.end(), names.begin(), names.end());
  } else if (names.size() != per_dir * static_cast<size_t>(a->num_directions)) {
    return r.error("activations", "must list " + std::to_string(per_dir) +
                                      " function(s) per "
                                      "direction (" +
                                      std::to_string(a->num_directions) + " direction(s)), got " +
                                      std::to_string(names.size()));
  }
  SF_ASSIGN_OR_RETURN(std::vector<float> alphas, r.get_floats("activation_alpha"));
  SF_ASSIGN_OR_RETURN(std::vector<float> betas, r.get_floats("activation_beta"));
  // alpha and beta values are consumed in order by the functions that take them.
  size_t next_alpha = 0, next_beta = 0;
  for (const std::string& name : names) {
    const std::string key = lower(name);
    const ActivationInfo* info = nullptr;
    for (const ActivationInfo& k : kActivations)
      if (key == k.name) info = &k;
    if (!info)
      return r.error("activations", "names an unknown function '" + name +
                                        "' (known: Relu, "
                                        "Tanh, Sigmoid, Affine, LeakyRelu, ThresholdedRelu, "
                                        "ScaledTanh, HardSigmoid, "
                                        "Elu, Softsign, Softplus)");
    RnnActivation act{info->kind, info->alpha, info->beta};
    if (info->params >= 1 && next_alpha < alphas.size()) act.alpha = alphas[next_alpha++];
    if (info->params >= 2 && next_beta < betas.size()) act.beta = betas[next_beta++];
    a->activations.push_back(act);
  }
  if (r.has("clip")) {
    SF_ASSIGN_OR_RETURN(float clip, r.get_float("clip", 0.f));
    if (!(clip > 0)) return r.error("clip", "must be positive, got " + std::to_string(clip));
    a->clip = clip;
  }
  if (node.opset >= 14) {
    SF_ASSIGN_OR_RETURN(a->layout, r.get_int("layout", 0));
    if (a->layout != 0 && a->layout != 1)
      return r.error("layout", "must be 0 or 1, got " + std::to_string(a->layout));
  }
  SF_ASSIGN_OR_RETURN(int64_t lbr, r.get_int("linear_before_reset", 0));
  a->linear_before_reset = gates == 3 && lbr != 0;
  SF_ASSIGN_OR_RETURN(int64_t input_forget, r.get_int("input_forget", 0));
  a->input_forget = gates == 4 && input_forget != 0;
  SF_ASSIGN_OR_RETURN(int64_t output_sequence, r.get_int("output_sequence", 0));
  (void)output_sequence;  // opset 1 only; advisory
  node.attrs = std::move(a);
  return Status::ok();
}

Status parse_rnn(Node& node) { return parse_recurrent(node, 1, {"Tanh"}); }
Status parse_gru(Node& node) { return parse_recurrent(node, 3, {"Sigmoid", "Tanh"}); }
Status parse_lstm(Node& node) { return parse_recurrent(node, 4, {"Sigmoid", "Tanh", "Tanh"}); }

// Checks the known dims of input i against `want` (kUnknownDim: anything).
Status expect_dims(const InferContext& ctx, size_t i, const char* what, const Shape& want) {
  if (!ctx.rank_known(i)) return Status::ok();
  const Shape& s = ctx.shape(i);
  bool ok = s.size() == want.size();
  for (size_t k = 0; ok && k < s.size(); ++k)
    if (want[k] != kUnknownDim && s[k] != kUnknownDim && s[k] != want[k]) ok = false;
  if (!ok) {
    std::string w = "[";
    for (size_t k = 0; k < want.size(); ++k) {
      if (k) w += ',';
      w += want[k] == kUnknownDim ? std::string("?") : std::to_string(want[k]);
    }
    return ctx.error(std::string(what) + " (input " + std::to_string(i) + ") has shape " +
                     shape_str(s) + ", expected " + w + "]");
  }
  return Status::ok();
}

// The dim `k` of input i, or kUnknownDim.
int64_t dim_of(const InferContext& ctx, size_t i, size_t k) {
  if (!ctx.rank_known(i) || ctx.shape(i).size() <= k) return kUnknownDim;
  return ctx.shape(i)[k];
}

// Inputs: X, W, R, B, sequence_lens, initial_h (+ initial_c, P for LSTM). Outputs: Y, Y_h (+ Y_c
// for LSTM).
Status infer_recurrent(InferContext& ctx) {
  const auto& a = ctx.node.attrs_as<RecurrentAttrs>();
  const DType t = ctx.dtype(0);
  const bool lstm = a.gates == 4;
  SF_TRY(ctx.expect_dtype(0, {DType::kF32, DType::kF64, DType::kF16, DType::kBF16}));
  for (size_t i : {size_t{1}, size_t{2}, size_t{3}, size_t{5}, size_t{6}, size_t{7}})
    if (ctx.has(i) && ctx.dtype(i) != t)
      return ctx.error("input " + std::to_string(i) + " has type " + dtype_name(ctx.dtype(i)) +
                       ", expected " + dtype_name(t) + " like X");
  SF_TRY(ctx.expect_dtype(4, {DType::kI32, DType::kI64}));
  SF_TRY(ctx.expect_rank(0, 3, 3));
  SF_TRY(ctx.expect_rank(1, 3, 3));
  SF_TRY(ctx.expect_rank(2, 3, 3));
  const int64_t D = a.num_directions;
  const int64_t G = a.gates;
  int64_t H = a.hidden_size;
  if (H < 0) H = dim_of(ctx, 2, 2);
  if (H > kMaxHiddenSize)
    return ctx.error("hidden size " + std::to_string(H) + " (from R) exceeds " +
                     std::to_string(kMaxHiddenSize));
  const int64_t GH = H == kUnknownDim ? kUnknownDim : G * H;
  const bool batch_first = a.layout == 1;
  const int64_t S = dim_of(ctx, 0, batch_first ? 1 : 0);
  const int64_t N = dim_of(ctx, 0, batch_first ? 0 : 1);
  const int64_t I = dim_of(ctx, 0, 2);
  SF_TRY(expect_dims(ctx, 1, "W", {D, GH, I}));
  SF_TRY(expect_dims(ctx, 2, "R", {D, GH, H}));
  SF_TRY(expect_dims(ctx, 3, "B", {D, GH == kUnknownDim ? kUnknownDim : 2 * GH}));
  SF_TRY(expect_dims(ctx, 4, "sequence_lens", {N}));
  const Shape state = batch_first ? Shape{N, D, H} : Shape{D, N, H};
  SF_TRY(expect_dims(ctx, 5, "initial_h", state));
  if (lstm) {
    SF_TRY(expect_dims(ctx, 6, "initial_c", state));
    SF_TRY(expect_dims(ctx, 7, "P", {D, H == kUnknownDim ? kUnknownDim : 3 * H}));
  } else if (ctx.num_inputs() > 6) {
    return ctx.error("has " + std::to_string(ctx.num_inputs()) + " inputs, expected at most 6");
  }
  const Shape y = batch_first ? Shape{N, S, D, H} : Shape{S, D, N, H};
  ctx.set_output(0, t, y);
  ctx.set_output(1, t, state);
  if (lstm) ctx.set_output(2, t, state);
  return Status::ok();
}

}  // namespace

void register_recurrent_schemas() {
  register_schema(OpKind::kRNN, {3, 6, 0, 2, 1, kMaxOpset, parse_rnn, infer_recurrent});
  register_schema(OpKind::kGRU, {3, 6, 0, 2, 1, kMaxOpset, parse_gru, infer_recurrent});
  register_schema(OpKind::kLSTM, {3, 8, 0, 3, 1, kMaxOpset, parse_lstm, infer_recurrent});
}

}  // namespace sf::ir
