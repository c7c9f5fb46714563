// Fault models: what one injection does to one value, with explicit data-type semantics
// (fault-injection.md §1-2: every model states its representation, bits and multiplicity).
//
//   spec      := kind [":" repr] {":" key "=" value | ":adjacent"}
//   kind      := flip | stuck0 | stuck1 | random | zero
//   repr      := fp32 | fp16 | bf16 | int8          (default fp32; only for flip/stuck*)
//   keys      := bit=B (lowest bit hit, 0 = least significant; default random)
//                bits=K (distinct bits per value, default 1; with :adjacent, K consecutive bits)
//                elements=E (values hit per injection, default 1)
//                lo=L, hi=H (random: uniform in [L, H), default [-1, 1) as PyTorchFI's default)
//
// Representation semantics on an fp32 engine value v:
//   fp32: the IEEE bits of v.
//   fp16, bf16: v as stored in that type (rounded to nearest even), bits flipped or stuck there,
//     widened back. The rounding is part of the model: a value held in fp16 has it.
//   int8: v quantised symmetrically per tensor, q = clamp(round(v / s), -128, 127) with
//     s = max|tensor| / 127, the two's-complement byte's bits changed, dequantised q' * s
//     (PyTorchFI's single_bit_flip semantics). On an int8/uint8 tensor the stored byte is changed.
// Stuck-at sets the bits to 0 or 1 (a no-op where they already hold it: still an injection).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.hpp"
#include "faults/rng.hpp"

namespace sf::faults {

enum class FaultKind { kBitFlip, kStuckAt0, kStuckAt1, kRandomValue, kZero };
enum class Repr { kF32, kF16, kBF16, kI8 };

const char* fault_kind_name(FaultKind k);  // "flip", "stuck0", ...
const char* repr_name(Repr r);             // "fp32", ...
int repr_bits(Repr r);                     // 32, 16, 16, 8

struct FaultModel {
  FaultKind kind = FaultKind::kBitFlip;
  Repr repr = Repr::kF32;
  int bit = -1;           // lowest bit hit; -1: random per value
  int bits = 1;           // distinct bits per value
  bool adjacent = false;  // the bits are consecutive (NVBitFI's FLIP_TWO_BITS)
  int elements = 1;       // values hit per injection
  double lo = -1, hi = 1; // random value range
  bool touches_bits() const { return kind == FaultKind::kBitFlip || kind == FaultKind::kStuckAt0 ||
                                     kind == FaultKind::kStuckAt1; }
  std::string spec() const;  // canonical spec string (parse_fault_model(spec()) gives it back)
};

Result<FaultModel> parse_fault_model(const std::string& spec);

// What one value's fault did.
struct ValueFault {
  float before = 0, after = 0;
  uint32_t mask = 0;  // bits of the representation hit (0 for random/zero)
};

// The bits a bit-touching model hits on one value: `bits` distinct positions (or a run of
// adjacent ones) below repr_bits, starting at `bit` when it is fixed.
uint32_t draw_bit_mask(const FaultModel& m, Rng& rng);

// Applies the model to fp32 value v with a given bit mask (bit-touching kinds) or draws the
// replacement (random). `int8_scale` is the tensor's symmetric scale (int8 representation only).
float apply_to_f32(const FaultModel& m, float v, uint32_t mask, float int8_scale, Rng& rng);
// On a stored int8 or uint8 byte.
uint8_t apply_to_byte(const FaultModel& m, uint8_t b, uint32_t mask, Rng& rng);

// The per-tensor symmetric int8 scale max|x| / 127 (1 when the tensor is all zero).
float int8_scale(const float* x, int64_t n);

}  // namespace sf::faults
