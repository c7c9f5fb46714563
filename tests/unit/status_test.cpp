#include <gtest/gtest.h>

#include "core/shape.hpp"
#include "core/status.hpp"

namespace sf {
namespace {

Result<int> half_of(int x) {
  if (x % 2) return invalid_argument("odd: " + std::to_string(x));
  return x / 2;
}

Status use(int x, int& out) {
  SF_ASSIGN_OR_RETURN(out, half_of(x));
  return Status::ok();
}

TEST(Status, PropagatesThroughAssignOrReturn) {
  int v = 0;
  EXPECT_TRUE(use(8, v).is_ok());
  EXPECT_EQ(v, 4);
  Status s = use(3, v);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "odd: 3");
}

TEST(Shape, NumelDetectsOverflow) {
  EXPECT_EQ(*shape_numel({2, 3, 4}), 24);
  EXPECT_FALSE(shape_numel({int64_t{1} << 40, int64_t{1} << 40}).is_ok());
  EXPECT_FALSE(shape_numel({-1, 3}).is_ok());
}

TEST(Shape, BroadcastFollowsNumpy) {
  // numpy.broadcast_shapes((3,1,5),(4,1)) == (3,4,5)
  EXPECT_EQ(*broadcast_shapes({3, 1, 5}, {4, 1}), (Shape{3, 4, 5}));
  EXPECT_FALSE(broadcast_shapes({3, 2}, {4, 2}).is_ok());
}

}  // namespace
}  // namespace sf
