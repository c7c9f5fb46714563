#include "core/shape.hpp"

#include <limits>

namespace sf {

std::string shape_str(const Shape& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) {
    if (i) out += ",";
    out += s[i] < 0 ? std::string("?") : std::to_string(s[i]);
  }
  return out + "]";
}

bool shape_is_static(const Shape& s) {
  for (int64_t d : s)
    if (d < 0) return false;
  return true;
}

Result<int64_t> shape_numel(const Shape& s) {
  if (s.size() > kMaxRank)
    return invalid_model("rank " + std::to_string(s.size()) + " exceeds the maximum " +
                         std::to_string(kMaxRank));
  // The product of the non-zero dims must fit too: a shape like [0,4,2^62] holds no element, but
  // every stride or block size computed from its other dims would overflow.
  int64_t nonzero = 1;
  bool has_zero = false;
  for (int64_t d : s) {
    if (d < 0) return invalid_model("shape " + shape_str(s) + " has a negative or unknown dim");
    if (d == 0) {
      has_zero = true;
      continue;
    }
    if (nonzero > std::numeric_limits<int64_t>::max() / d)
      return invalid_model("element count of shape " + shape_str(s) + " overflows int64" +
                           (has_zero ? " (ignoring its zero dims)" : ""));
    nonzero *= d;
  }
  return has_zero ? 0 : nonzero;
}

int64_t shape_numel_unchecked(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

std::vector<int64_t> shape_strides(const Shape& s) {
  std::vector<int64_t> st(s.size(), 1);
  for (int64_t i = static_cast<int64_t>(s.size()) - 2; i >= 0; --i) st[i] = st[i + 1] * s[i + 1];
  return st;
}

Result<int64_t> normalize_axis(int64_t axis, int64_t rank, bool inclusive) {
  const int64_t hi = inclusive ? rank + 1 : rank;
  if (axis < -hi || axis >= hi)
    return invalid_model("axis " + std::to_string(axis) + " is out of range for rank " +
                         std::to_string(rank) + " (valid: [" + std::to_string(-hi) + ", " +
                         std::to_string(hi - 1) + "])");
  return axis < 0 ? axis + hi : axis;
}

Result<Shape> broadcast_shapes(const Shape& a, const Shape& b) {
  const size_t r = std::max(a.size(), b.size());
  Shape out(r);
  for (size_t i = 0; i < r; ++i) {
    const int64_t da = i < r - a.size() ? 1 : a[i - (r - a.size())];
    const int64_t db = i < r - b.size() ? 1 : b[i - (r - b.size())];
    if (da == db) out[i] = da;
    else if (da == 1) out[i] = db;
    else if (db == 1) out[i] = da;
    else if (da < 0 || db < 0) out[i] = (da < 0) ? db : da;  // unknown: assume it broadcasts
    else
      return invalid_model("shapes " + shape_str(a) + " and " + shape_str(b) +
                           " cannot be broadcast (dim " + std::to_string(i) + ": " +
                           std::to_string(da) + " vs " + std::to_string(db) + ")");
  }
  return out;
}

}  // namespace sf
