// Recurrent reference kernels: RNN, GRU and LSTM with ONNX semantics.
//
// Shapes (layout 0):  X [S, N, I]   W [D, G*H, I]   R [D, G*H, H]   B [D, 2*G*H] (Wb then Rb)
//                     initial_h, initial_c, Y_h, Y_c [D, N, H]   Y [S, D, N, H]   P [D, 3*H]
// Layout 1 puts the batch first: X [N, S, I], Y [N, S, D, H], states [N, D, H]. S steps, N batch
// rows, I inputs, H hidden units, D directions (2: forward then reverse), G gates: RNN 1; GRU 3 in
// the order z, r, h; LSTM 4 in the order i, o, f, c (P: i, o, f).
//
// Per step t (x = X[t], h = H[t-1], c = C[t-1]; clip() bounds every gate pre-activation):
//   RNN:  h' = f(x W^T + h R^T + Wb + Rb)
//   GRU:  z = f(x Wz^T + h Rz^T + Wbz + Rbz)     r = f(x Wr^T + h Rr^T + Wbr + Rbr)
//         n = g(x Wh^T + (r . h) Rh^T + Rbh + Wbh)     (linear_before_reset = 0)
//         n = g(x Wh^T + r . (h Rh^T + Rbh) + Wbh)     (linear_before_reset = 1)
//         h' = (1 - z) . n + z . h
//   LSTM: i = f(x Wi^T + h Ri^T + Pi . c + Wbi + Rbi)
//         f = f(x Wf^T + h Rf^T + Pf . c + Wbf + Rbf)  (1 - i when input_forget)
//         c' = f . c + i . g(x Wc^T + h Rc^T + Wbc + Rbc)
//         o = f(x Wo^T + h Ro^T + Po . c' + Wbo + Rbo)   h' = o . h(c')
// Rows with sequence_lens[n] = L < S run L steps (the reverse direction starts at step L-1); Y is
// zero at steps >= L and Y_h/Y_c hold the state after the last step run (the initial state when L =
// 0). Accumulation and the state between steps are in compute_t<T> (float for f16/bf16/f32, double
// for f64).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "kernels/ref/numeric.hpp"

namespace sf::ref {

enum class RnnAct {
  kRelu,
  kTanh,
  kSigmoid,
  kAffine,
  kLeakyRelu,
  kThresholdedRelu,
  kScaledTanh,
  kHardSigmoid,
  kElu,
  kSoftsign,
  kSoftplus,
};

struct RnnActFn {
  RnnAct kind = RnnAct::kTanh;
  float alpha = 0;
  float beta = 0;
};

template <typename C>
C rnn_activate(const RnnActFn& fn, C x) {
  const C alpha = static_cast<C>(fn.alpha), beta = static_cast<C>(fn.beta);
  switch (fn.kind) {
    case RnnAct::kRelu:
      return x > 0 ? x : (x == x ? C(0) : x);
    case RnnAct::kTanh:
      return std::tanh(x);
    case RnnAct::kSigmoid:
      return x >= 0 ? C(1) / (C(1) + std::exp(-x)) : std::exp(x) / (C(1) + std::exp(x));
    case RnnAct::kAffine:
      return alpha * x + beta;
    case RnnAct::kLeakyRelu:
      return x >= 0 ? x : alpha * x;
    case RnnAct::kThresholdedRelu:
      return x > alpha ? x : (x == x ? C(0) : x);
    case RnnAct::kScaledTanh:
      return alpha * std::tanh(beta * x);
    case RnnAct::kHardSigmoid: {
      const C v = alpha * x + beta;
      return v != v ? v : std::min(C(1), std::max(C(0), v));
    }
    case RnnAct::kElu:
      return x >= 0 ? x : alpha * (std::exp(x) - C(1));
    case RnnAct::kSoftsign:
      return x / (C(1) + std::abs(x));
    case RnnAct::kSoftplus:
      return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
  }
  return x;
}

enum class RnnCell { kRnn, kGru, kLstm };

struct RnnParams {
  RnnCell cell = RnnCell::kRnn;
  int64_t seq_length = 0, batch = 0, input_size = 0, hidden = 0;
  int64_t num_directions = 1;
  bool reverse = false;      // direction=reverse: one direction run from the last step
  bool batch_first = false;  // layout 1
  float clip = 0;            // <= 0: no clipping
  bool linear_before_reset = false;
  bool input_forget = false;
  const RnnActFn* acts = nullptr;  // activations per direction (1, 2 or 3), direction-major
};

template <typename T>
struct RnnTensors {
  const T* x = nullptr;
  const T* w = nullptr;
  const T* r = nullptr;
  const T* bias = nullptr;            // optional
  const int64_t* seq_lens = nullptr;  // optional, each in [0, S] (checked by the caller)
  const T* init_h = nullptr;          // optional
  const T* init_c = nullptr;          // optional (LSTM)
  const T* peephole = nullptr;        // optional (LSTM)
  T* y = nullptr;                     // [S, D, N, H] (or batch first); always written
  T* y_h = nullptr;                   // always written
  T* y_c = nullptr;                   // LSTM only; always written there
};

inline int64_t rnn_gates(RnnCell cell) {
  return cell == RnnCell::kRnn ? 1 : cell == RnnCell::kGru ? 3 : 4;
}

template <typename T>
void rnn_run(const RnnParams& p, const RnnTensors<T>& t) {
  using C = compute_t<T>;
  const int64_t S = p.seq_length, N = p.batch, I = p.input_size, H = p.hidden;
  const int64_t D = p.num_directions, G = rnn_gates(p.cell);
  const int64_t acts_per_dir = p.cell == RnnCell::kRnn ? 1 : p.cell == RnnCell::kGru ? 2 : 3;
  const C clip = static_cast<C>(p.clip);
  auto clipped = [&](C v) { return p.clip > 0 ? std::min(clip, std::max(-clip, v)) : v; };
  // Element offsets for the layout.
  auto x_at = [&](int64_t s, int64_t n) {
    return p.batch_first ? (n * S + s) * I : (s * N + n) * I;
  };
  auto y_at = [&](int64_t s, int64_t d, int64_t n) {
    return p.batch_first ? ((n * S + s) * D + d) * H : ((s * D + d) * N + n) * H;
  };
  auto state_at = [&](int64_t d, int64_t n) {
    return p.batch_first ? (n * D + d) * H : (d * N + n) * H;
  };

  std::vector<C> h(static_cast<size_t>(H)), c(static_cast<size_t>(H));
  std::vector<C> h_new(static_cast<size_t>(H));
  std::vector<C> xw(static_cast<size_t>(G * H)), hr(static_cast<size_t>(G * H));
  std::vector<C> gate_r(static_cast<size_t>(H));

  for (int64_t d = 0; d < D; ++d) {
    const bool backwards = D == 2 ? d == 1 : p.reverse;
    const T* w = t.w + d * G * H * I;
    const T* r = t.r + d * G * H * H;
    const T* wb = t.bias ? t.bias + d * 2 * G * H : nullptr;
    const T* rb = wb ? wb + G * H : nullptr;
    const T* peep = t.peephole ? t.peephole + d * 3 * H : nullptr;
    const RnnActFn* act = p.acts + d * acts_per_dir;
    for (int64_t n = 0; n < N; ++n) {
      for (int64_t j = 0; j < H; ++j) {
        h[j] = t.init_h ? load(t.init_h[state_at(d, n) + j]) : C(0);
        c[j] = t.init_c ? load(t.init_c[state_at(d, n) + j]) : C(0);
      }
      const int64_t L = t.seq_lens ? t.seq_lens[n] : S;
      for (int64_t step = 0; step < L; ++step) {
        const int64_t s = backwards ? L - 1 - step : step;
        const T* x = t.x + x_at(s, n);
        // xw = x W^T + Wb and hr = h R^T + Rb for every gate row.
        for (int64_t row = 0; row < G * H; ++row) {
          C acc_x = wb ? load(wb[row]) : C(0);
          for (int64_t k = 0; k < I; ++k) acc_x += load(x[k]) * load(w[row * I + k]);
          C acc_h = rb ? load(rb[row]) : C(0);
          for (int64_t k = 0; k < H; ++k) acc_h += h[k] * load(r[row * H + k]);
          xw[row] = acc_x;
          hr[row] = acc_h;
        }
        switch (p.cell) {
          case RnnCell::kRnn:
            for (int64_t j = 0; j < H; ++j) h_new[j] = rnn_activate(act[0], clipped(xw[j] + hr[j]));
            break;
          case RnnCell::kGru: {
            for (int64_t j = 0; j < H; ++j)
              gate_r[j] = rnn_activate(act[0], clipped(xw[H + j] + hr[H + j]));
            for (int64_t j = 0; j < H; ++j) {
              const C z = rnn_activate(act[0], clipped(xw[j] + hr[j]));
              C pre;
              if (p.linear_before_reset) {
                pre = xw[2 * H + j] + gate_r[j] * hr[2 * H + j];
              } else {
                // (r . h) Rh^T + Rbh
                C acc = rb ? load(rb[2 * H + j]) : C(0);
                const T* rh = r + (2 * H + j) * H;
                for (int64_t k = 0; k < H; ++k) acc += gate_r[k] * h[k] * load(rh[k]);
                pre = xw[2 * H + j] + acc;
              }
              const C cand = rnn_activate(act[1], clipped(pre));
              h_new[j] = (C(1) - z) * cand + z * h[j];
            }
            break;
          }
          case RnnCell::kLstm:
            for (int64_t j = 0; j < H; ++j) {
              const C pi = peep ? load(peep[j]) : C(0);
              const C po = peep ? load(peep[H + j]) : C(0);
              const C pf = peep ? load(peep[2 * H + j]) : C(0);
              const C gi = rnn_activate(act[0], clipped(xw[j] + hr[j] + pi * c[j]));
              const C gf =
                  p.input_forget
                      ? C(1) - gi
                      : rnn_activate(act[0], clipped(xw[2 * H + j] + hr[2 * H + j] + pf * c[j]));
              const C gc = rnn_activate(act[1], clipped(xw[3 * H + j] + hr[3 * H + j]));
              const C c_new = gf * c[j] + gi * gc;
              const C go = rnn_activate(act[0], clipped(xw[H + j] + hr[H + j] + po * c_new));
              h_new[j] = go * rnn_activate(act[2], c_new);
              c[j] = c_new;
            }
            break;
        }
        for (int64_t j = 0; j < H; ++j) {
          h[j] = h_new[j];
          t.y[y_at(s, d, n) + j] = store<T>(h[j]);
        }
      }
      for (int64_t s = L; s < S; ++s)
        for (int64_t j = 0; j < H; ++j) t.y[y_at(s, d, n) + j] = store<T>(C(0));
      for (int64_t j = 0; j < H; ++j) {
        t.y_h[state_at(d, n) + j] = store<T>(h[j]);
        if (t.y_c) t.y_c[state_at(d, n) + j] = store<T>(c[j]);
      }
    }
  }
}

}  // namespace sf::ref
