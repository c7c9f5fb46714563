// Typed attributes of the recurrent ops (RNN, GRU, LSTM).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "ir/attribute.hpp"

namespace sf::ir {

enum class RnnDirection { kForward, kReverse, kBidirectional };

// The activation functions the ONNX recurrent ops accept (case-insensitive names).
enum class RnnActivationKind {
  kRelu,
  kTanh,
  kSigmoid,
  kAffine,           // alpha * x + beta
  kLeakyRelu,        // x >= 0 ? x : alpha * x
  kThresholdedRelu,  // x > alpha ? x : 0
  kScaledTanh,       // alpha * tanh(beta * x)
  kHardSigmoid,      // max(0, min(1, alpha * x + beta))
  kElu,              // x >= 0 ? x : alpha * (exp(x) - 1)
  kSoftsign,         // x / (1 + |x|)
  kSoftplus,         // log(1 + exp(x))
};

struct RnnActivation {
  RnnActivationKind kind = RnnActivationKind::kTanh;
  float alpha = 0;
  float beta = 0;
};

struct RecurrentAttrs : OpAttrs {
  int64_t gates = 1;         // 1 for RNN, 3 for GRU, 4 for LSTM
  int64_t hidden_size = -1;  // -1: not given, taken from R's last dim
  RnnDirection direction = RnnDirection::kForward;
  int64_t num_directions = 1;
  // Activations per direction: RNN f; GRU f, g; LSTM f, g, h. Forward direction first.
  std::vector<RnnActivation> activations;
  std::optional<float> clip;         // gate pre-activations are clipped to [-clip, clip]
  int64_t layout = 0;                // 0: X [seq, batch, in]; 1: X [batch, seq, in] (opset 14)
  bool linear_before_reset = false;  // GRU
  bool input_forget = false;         // LSTM: forget gate = 1 - input gate
};

}  // namespace sf::ir
