#include "ir/op_kind.hpp"

#include <array>

namespace sf::ir {

namespace {
constexpr std::array<const char*, kOpCount> kNames = {
#define SF_OP(name, family) #name,
#include "ir/ops.def"
#undef SF_OP
};
constexpr std::array<const char*, kOpCount> kFamilies = {
#define SF_OP(name, family) #family,
#include "ir/ops.def"
#undef SF_OP
};
}  // namespace

const char* op_name(OpKind op) { return kNames[static_cast<size_t>(op)]; }
const char* op_family(OpKind op) { return kFamilies[static_cast<size_t>(op)]; }

std::optional<OpKind> op_from_name(std::string_view n) {
  for (size_t i = 0; i < kNames.size(); ++i)
    if (n == kNames[i]) return static_cast<OpKind>(i);
  return std::nullopt;
}

}  // namespace sf::ir
