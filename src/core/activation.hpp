// Activations that fused kernels apply in their epilogue, shared by the IR (fused-op attributes)
// and the kernels. apply_activation() is the scalar definition every vector variant must match
// (to float rounding; Gelu/Sigmoid/SiLU through vector exp/erf approximations within 1e-6 rel).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>

namespace sf {

enum class Activation : uint8_t {
  kNone,
  kRelu,
  kClip,         // min(max(x, alpha), beta): Relu6 is Clip(0, 6)
  kLeakyRelu,    // x < 0 ? alpha * x : x
  kSigmoid,
  kTanh,
  kSilu,         // x * sigmoid(x)
  kHardSigmoid,  // max(0, min(1, alpha * x + beta))
  kHardSwish,    // x * max(0, min(1, x / 6 + 1 / 2))
  kGelu,         // 0.5 x (1 + erf(x / sqrt 2))
  kGeluTanh,     // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
};

struct ActivationSpec {
  Activation kind = Activation::kNone;
  float alpha = 0.0f, beta = 0.0f;
};

// Internal linkage (static): also compiled into ISA-flagged kernel files (see fp_bounds.hpp).
static inline float apply_activation(const ActivationSpec& a, float x) {
  switch (a.kind) {
    case Activation::kNone: return x;
    case Activation::kRelu: return x > 0.0f ? x : 0.0f;
    case Activation::kClip: return std::min(std::max(x, a.alpha), a.beta);
    case Activation::kLeakyRelu: return x < 0.0f ? a.alpha * x : x;
    case Activation::kSigmoid: return 1.0f / (1.0f + std::exp(-x));
    case Activation::kTanh: return std::tanh(x);
    case Activation::kSilu: return x / (1.0f + std::exp(-x));
    case Activation::kHardSigmoid: return std::max(0.0f, std::min(1.0f, a.alpha * x + a.beta));
    case Activation::kHardSwish: return x * std::max(0.0f, std::min(1.0f, x / 6.0f + 0.5f));
    case Activation::kGelu: return 0.5f * x * (1.0f + std::erf(x * 0.70710678118654752f));
    case Activation::kGeluTanh: {
      const float u = 0.79788456080286536f * (x + 0.044715f * x * x * x);
      return 0.5f * x * (1.0f + std::tanh(u));
    }
  }
  return x;
}

inline const char* activation_name(Activation a) {
  switch (a) {
    case Activation::kNone: return "none";
    case Activation::kRelu: return "relu";
    case Activation::kClip: return "clip";
    case Activation::kLeakyRelu: return "leaky_relu";
    case Activation::kSigmoid: return "sigmoid";
    case Activation::kTanh: return "tanh";
    case Activation::kSilu: return "silu";
    case Activation::kHardSigmoid: return "hard_sigmoid";
    case Activation::kHardSwish: return "hard_swish";
    case Activation::kGelu: return "gelu";
    case Activation::kGeluTanh: return "gelu_tanh";
  }
  return "?";
}

inline bool parse_activation(const std::string& s, Activation& out) {
  for (int i = 0; i <= static_cast<int>(Activation::kGeluTanh); ++i)
    if (s == activation_name(static_cast<Activation>(i))) {
      out = static_cast<Activation>(i);
      return true;
    }
  return false;
}

}  // namespace sf
