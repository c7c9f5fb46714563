#include "faults/fault_model.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <sstream>

#include "core/half.hpp"

namespace sf::faults {

const char* fault_kind_name(FaultKind k) {
  switch (k) {
    case FaultKind::kBitFlip: return "flip";
    case FaultKind::kStuckAt0: return "stuck0";
    case FaultKind::kStuckAt1: return "stuck1";
    case FaultKind::kRandomValue: return "random";
    case FaultKind::kZero: return "zero";
  }
  return "?";
}

const char* repr_name(Repr r) {
  switch (r) {
    case Repr::kF32: return "fp32";
    case Repr::kF16: return "fp16";
    case Repr::kBF16: return "bf16";
    case Repr::kI8: return "int8";
  }
  return "?";
}

int repr_bits(Repr r) {
  switch (r) {
    case Repr::kF32: return 32;
    case Repr::kF16:
    case Repr::kBF16: return 16;
    case Repr::kI8: return 8;
  }
  return 32;
}

std::string FaultModel::spec() const {
  std::ostringstream s;
  s << fault_kind_name(kind);
  if (touches_bits()) {
    s << ':' << repr_name(repr);
    if (bit >= 0) s << ":bit=" << bit;
    if (bits != 1) s << ":bits=" << bits;
    if (adjacent) s << ":adjacent";
  }
  if (kind == FaultKind::kRandomValue) s << ":lo=" << lo << ":hi=" << hi;
  if (elements != 1) s << ":elements=" << elements;
  return s.str();
}

namespace {

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (;;) {
    const size_t end = s.find(sep, start);
    parts.push_back(s.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) return parts;
    start = end + 1;
  }
}

Result<long> parse_int(const std::string& spec, const std::string& key, const std::string& v) {
  char* end = nullptr;
  const long x = std::strtol(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0')
    return invalid_argument("fault model '" + spec + "': " + key + "=" + v + " is not an integer");
  return x;
}

Result<double> parse_real(const std::string& spec, const std::string& key, const std::string& v) {
  char* end = nullptr;
  const double x = std::strtod(v.c_str(), &end);
  if (v.empty() || *end != '\0' || !std::isfinite(x))
    return invalid_argument("fault model '" + spec + "': " + key + "=" + v + " is not a finite number");
  return x;
}

}  // namespace

Result<FaultModel> parse_fault_model(const std::string& spec) {
  const auto parts = split(spec, ':');
  FaultModel m;
  const std::string& kind = parts[0];
  if (kind == "flip") m.kind = FaultKind::kBitFlip;
  else if (kind == "stuck0") m.kind = FaultKind::kStuckAt0;
  else if (kind == "stuck1") m.kind = FaultKind::kStuckAt1;
  else if (kind == "random") m.kind = FaultKind::kRandomValue;
  else if (kind == "zero") m.kind = FaultKind::kZero;
  else
    return invalid_argument("fault model '" + spec + "': unknown kind '" + kind +
                            "' (flip, stuck0, stuck1, random, zero)");
  for (size_t i = 1; i < parts.size(); ++i) {
    const std::string& p = parts[i];
    const size_t eq = p.find('=');
    if (eq == std::string::npos) {
      if (p == "fp32") m.repr = Repr::kF32;
      else if (p == "fp16") m.repr = Repr::kF16;
      else if (p == "bf16") m.repr = Repr::kBF16;
      else if (p == "int8") m.repr = Repr::kI8;
      else if (p == "adjacent") m.adjacent = true;
      else
        return invalid_argument("fault model '" + spec + "': unknown part '" + p +
                                "' (fp32, fp16, bf16, int8, adjacent or key=value)");
      if (p != "adjacent" && !m.touches_bits())
        return invalid_argument("fault model '" + spec + "': a representation applies to flip and "
                                "stuck-at only");
      continue;
    }
    const std::string key = p.substr(0, eq), val = p.substr(eq + 1);
    if (key == "bit") {
      SF_ASSIGN_OR_RETURN(long b, parse_int(spec, key, val));
      m.bit = static_cast<int>(b);
    } else if (key == "bits") {
      SF_ASSIGN_OR_RETURN(long b, parse_int(spec, key, val));
      m.bits = static_cast<int>(b);
    } else if (key == "elements") {
      SF_ASSIGN_OR_RETURN(long e, parse_int(spec, key, val));
      if (e < 1 || e > 1000000)
        return invalid_argument("fault model '" + spec + "': elements=" + val + " must be in [1, 1e6]");
      m.elements = static_cast<int>(e);
    } else if (key == "lo") {
      SF_ASSIGN_OR_RETURN(m.lo, parse_real(spec, key, val));
    } else if (key == "hi") {
      SF_ASSIGN_OR_RETURN(m.hi, parse_real(spec, key, val));
    } else {
      return invalid_argument("fault model '" + spec + "': unknown key '" + key +
                              "' (bit, bits, elements, lo, hi)");
    }
  }
  const int width = repr_bits(m.repr);
  if (m.touches_bits()) {
    if (m.bits < 1 || m.bits > width)
      return invalid_argument("fault model '" + spec + "': bits=" + std::to_string(m.bits) +
                              " must be in [1, " + std::to_string(width) + "] for " + repr_name(m.repr));
    if (m.bit >= 0 && m.bit + (m.adjacent || m.bits == 1 ? m.bits : 1) > width)
      return invalid_argument("fault model '" + spec + "': bit=" + std::to_string(m.bit) +
                              " leaves no room for " + std::to_string(m.bits) + " bit(s) in " +
                              repr_name(m.repr) + " (" + std::to_string(width) + " bits)");
    if (m.bit < -1) return invalid_argument("fault model '" + spec + "': bit must be >= 0");
    if (m.bit >= 0 && m.bits > 1 && !m.adjacent)
      return invalid_argument("fault model '" + spec + "': a fixed bit with bits>1 needs :adjacent");
  } else if (m.bit != -1 || m.bits != 1 || m.adjacent) {
    return invalid_argument("fault model '" + spec + "': bit, bits and adjacent apply to flip and "
                            "stuck-at only");
  }
  if (m.kind == FaultKind::kRandomValue && !(m.lo < m.hi))
    return invalid_argument("fault model '" + spec + "': random needs lo < hi");
  return m;
}

uint32_t draw_bit_mask(const FaultModel& m, Rng& rng) {
  const int width = repr_bits(m.repr);
  if (m.adjacent || m.bits == 1) {
    const int lo = m.bit >= 0 ? m.bit : static_cast<int>(rng.below(static_cast<uint64_t>(width - m.bits + 1)));
    const uint64_t run = (uint64_t{1} << m.bits) - 1;
    return static_cast<uint32_t>(run << lo);
  }
  // `bits` distinct positions: a partial Fisher-Yates shuffle of [0, width).
  int pos[32];
  for (int i = 0; i < width; ++i) pos[i] = i;
  uint32_t mask = 0;
  for (int i = 0; i < m.bits; ++i) {
    const int j = i + static_cast<int>(rng.below(static_cast<uint64_t>(width - i)));
    std::swap(pos[i], pos[j]);
    mask |= 1u << pos[i];
  }
  return mask;
}

namespace {

uint32_t change_bits(FaultKind k, uint32_t word, uint32_t mask) {
  switch (k) {
    case FaultKind::kBitFlip: return word ^ mask;
    case FaultKind::kStuckAt0: return word & ~mask;
    case FaultKind::kStuckAt1: return word | mask;
    case FaultKind::kRandomValue:
    case FaultKind::kZero: return word;
  }
  return word;
}

}  // namespace

float apply_to_f32(const FaultModel& m, float v, uint32_t mask, float scale, Rng& rng) {
  switch (m.kind) {
    case FaultKind::kZero: return 0.0f;
    case FaultKind::kRandomValue: return static_cast<float>(rng.uniform(m.lo, m.hi));
    case FaultKind::kBitFlip:
    case FaultKind::kStuckAt0:
    case FaultKind::kStuckAt1: break;
  }
  switch (m.repr) {
    case Repr::kF32: return bits_to_float(change_bits(m.kind, float_to_bits(v), mask));
    case Repr::kF16: {
      const uint16_t h = Float16::from_float(v);
      return Float16::to_float(static_cast<uint16_t>(change_bits(m.kind, h, mask & 0xffffu)));
    }
    case Repr::kBF16: {
      const uint16_t h = BFloat16::from_float(v);
      const uint32_t changed = change_bits(m.kind, h, mask & 0xffffu) & 0xffffu;
      return bits_to_float(changed << 16);
    }
    case Repr::kI8: {
      const float s = scale > 0 ? scale : 1.0f;
      const float q = std::nearbyint(std::clamp(v / s, -128.0f, 127.0f));
      const auto byte = static_cast<uint8_t>(static_cast<int8_t>(std::isnan(q) ? 0.0f : q));
      const auto changed = static_cast<int8_t>(static_cast<uint8_t>(change_bits(m.kind, byte, mask & 0xffu)));
      return static_cast<float>(changed) * s;
    }
  }
  return v;
}

uint8_t apply_to_byte(const FaultModel& m, uint8_t b, uint32_t mask, Rng& rng) {
  switch (m.kind) {
    case FaultKind::kZero: return 0;
    case FaultKind::kRandomValue: return static_cast<uint8_t>(rng.below(256));
    case FaultKind::kBitFlip:
    case FaultKind::kStuckAt0:
    case FaultKind::kStuckAt1: return static_cast<uint8_t>(change_bits(m.kind, b, mask & 0xffu));
  }
  return b;
}

float int8_scale(const float* x, int64_t n) {
  float mx = 0;
  for (int64_t i = 0; i < n; ++i)
    if (std::isfinite(x[i])) mx = std::max(mx, std::fabs(x[i]));
  return mx > 0 ? mx / 127.0f : 1.0f;
}

}  // namespace sf::faults
