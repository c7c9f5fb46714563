// OpKind: the enum generated from ops.def. Switches over it have no default case so that
// -Werror=switch lists every place a new op must be handled.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace sf::ir {

enum class OpKind : uint16_t {
#define SF_OP(name, family) k##name,
#include "ir/ops.def"
#undef SF_OP
};

inline constexpr int kOpCount = 0
#define SF_OP(name, family) +1
#include "ir/ops.def"
#undef SF_OP
    ;

// The internal ops (ops.def's last section): made by passes, never read from a model file.
inline constexpr OpKind kFirstInternalOp = OpKind::kFusedConv;
inline constexpr const char* kInternalDomain = "steadfast";
constexpr bool op_is_internal(OpKind op) {
  return static_cast<uint16_t>(op) >= static_cast<uint16_t>(kFirstInternalOp);
}

const char* op_name(OpKind op);
const char* op_family(OpKind op);
std::optional<OpKind> op_from_name(std::string_view onnx_name);

}  // namespace sf::ir
