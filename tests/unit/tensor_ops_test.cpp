// tensor ops (shape, indexing, generators, resize) run through parse -> infer -> reference
// kernel, plus load-time inference with and without known constant inputs and the error paths
// (bad shapes, out-of-range indices, sizes over the memory limit). Expected values are NumPy
// expressions quoted next to each check, or written out by hand from the ONNX spec's formula.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <memory>

#include "ir/op_schema.hpp"
#include "kernels/fast_op_test_util.hpp"
#include "op_test_util.hpp"
#include "runtime/session.hpp"

namespace sf::test {
namespace {

using ir::Attribute;
using ir::Node;
using ir::OpKind;

constexpr int64_t kI64Min = std::numeric_limits<int64_t>::min();
constexpr int64_t kI64Max = std::numeric_limits<int64_t>::max();

Tensor f32(const Shape& s, std::vector<float> v = {}) {
  Tensor t = Tensor::make(DType::kF32, s).value();
  for (int64_t i = 0; i < t.numel(); ++i)
    t.data<float>()[i] = v.empty() ? static_cast<float>(i) : v[static_cast<size_t>(i)];
  return t;
}
Tensor i64(std::vector<int64_t> v, std::optional<Shape> s = std::nullopt) {
  Tensor t = Tensor::make(DType::kI64, s.value_or(Shape{static_cast<int64_t>(v.size())})).value();
  for (size_t i = 0; i < v.size(); ++i) t.data<int64_t>()[i] = v[i];
  return t;
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

// Load-time inference of a parsed node: inputs with a type and optionally a known value.
struct StaticIn {
  DType dtype;
  std::optional<Shape> shape;
  const Tensor* value = nullptr;
};
Result<std::vector<ir::TypeInfo>> infer_static(Node& n, const std::vector<StaticIn>& in) {
  SF_TRY(ir::parse_node(n));
  std::vector<ir::InferInput> ii;
  for (const StaticIn& s : in) ii.push_back(ir::InferInput{true, s.dtype, s.shape, s.value});
  ir::InferContext ctx(n, ii);
  SF_TRY(ir::infer_node(ctx));
  return ctx.out;
}

// ---------------------------------------------------------------------------------------------
// Reshape

TEST(TensorOps, ReshapeZeroCopiesAndMinusOneInfers) {
  const Tensor x = f32({2, 3, 4});
  const Tensor s = i64({0, -1});
  Node n = make_node(OpKind::kReshape, 14, 2, 1);
  auto r = parse_and_run(n, {&x, &s});
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ((*r)[0].shape(), (Shape{2, 12}));  // np.reshape(x, (2, -1))
  EXPECT_EQ(values_as_double((*r)[0]), values_as_double(x));
}

TEST(TensorOps, ReshapeAllowZeroKeepsZeroDims) {
  const Tensor x = f32({0, 3});
  const Tensor s = i64({3, 0});
  Node n = make_node(OpKind::kReshape, 14, 2, 1, {{"allowzero", int_attr(1)}});
  auto r = parse_and_run(n, {&x, &s});
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ((*r)[0].shape(), (Shape{3, 0}));
}

TEST(TensorOps, ReshapeIncompatibleNamesBothShapes) {
  const Tensor x = f32({2, 3});
  const Tensor s = i64({4, -1});
  const Status st = run_status(make_node(OpKind::kReshape, 13, 2, 1), {&x, &s});
  ASSERT_FALSE(st.is_ok());
  EXPECT_TRUE(contains(st.message(), kNodeName)) << st.message();
  EXPECT_TRUE(contains(st.message(), "[2,3]")) << st.message();
  EXPECT_TRUE(contains(st.message(), "[4,-1]")) << st.message();
}

TEST(TensorOps, ReshapeStaticInferenceUsesConstantShape) {
  const Tensor s = i64({-1, 6});
  Node n = make_node(OpKind::kReshape, 13, 2, 1);
  auto out = infer_static(n, {{DType::kF32, Shape{4, 3}}, {DType::kI64, Shape{2}, &s}});
  ASSERT_TRUE(out.is_ok()) << out.status().to_string();
  EXPECT_EQ(*(*out)[0].shape, (Shape{2, 6}));
  Node m = make_node(OpKind::kReshape, 13, 2, 1);
  out = infer_static(m, {{DType::kF32, Shape{4, 3}}, {DType::kI64, Shape{3}}});  // value unknown
  ASSERT_TRUE(out.is_ok()) << out.status().to_string();
  EXPECT_EQ(*(*out)[0].shape, (Shape{kUnknownDim, kUnknownDim, kUnknownDim}));
}

TEST(TensorOps, ShapeInputLongerThanMaxRankIsRefused) {
  // Fuzzer finding (tests/fuzz/regressions/*_shape_input_length_2e31.onnx): a shape input
  // declared int64[2^31-1] must not become the rank of an inferred shape.
  for (OpKind op : {OpKind::kReshape, OpKind::kExpand}) {
    Node n = make_node(op, 13, 2, 1);
    auto out = infer_static(n, {{DType::kF32, Shape{2, 3}}, {DType::kI64, Shape{2147483647}}});
    EXPECT_FALSE(out.is_ok());
  }
  Node c = make_node(OpKind::kConstantOfShape, 13, 1, 1);
  EXPECT_FALSE(infer_static(c, {{DType::kI64, Shape{1000}}}).is_ok());
}

// ---------------------------------------------------------------------------------------------
// Slice

TEST(TensorOps, SliceReversesWithMinInt64End) {
  // EfficientNet-Lite0's export: starts -1, ends INT64_MIN+1, step -1  ==  x[:, ::-1]
  const Tensor x = f32({2, 4});
  const Tensor starts = i64({-1}), ends = i64({kI64Min + 1}), axes = i64({1}), steps = i64({-1});
  Node n = make_node(OpKind::kSlice, 13, 5, 1);
  auto r = parse_and_run(n, {&x, &starts, &ends, &axes, &steps});
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ((*r)[0].shape(), (Shape{2, 4}));
  EXPECT_EQ(values_as_double((*r)[0]), (std::vector<double>{3, 2, 1, 0, 7, 6, 5, 4}));
}

TEST(TensorOps, SliceClampsLikeTheSpec) {
  const Tensor x = f32({10});
  struct Case {
    int64_t start, end, step;
    std::vector<double> want;  // np.arange(10)[start:end:step]
  };
  const Case cases[] = {
      {1, kI64Max, 3, {1, 4, 7}},      // x[1::3]
      {-100, 3, 1, {0, 1, 2}},         // x[-100:3]
      {100, -100, -4, {9, 5, 1}},      // x[100:-100:-4]
      {8, 2, 1, {}},                   // x[8:2]
      {kI64Max, kI64Min, kI64Min, {9}},  // a step that cannot be negated
  };
  for (const Case& c : cases) {
    const Tensor st = i64({c.start}), en = i64({c.end}), ax = i64({0}), sp = i64({c.step});
    Node n = make_node(OpKind::kSlice, 13, 5, 1);
    auto r = parse_and_run(n, {&x, &st, &en, &ax, &sp});
    ASSERT_TRUE(r.is_ok()) << r.status().to_string();
    EXPECT_EQ(values_as_double((*r)[0]), c.want) << c.start << ":" << c.end << ":" << c.step;
  }
}

TEST(TensorOps, SliceOpset9AttributesAndZeroStep) {
  const Tensor x = f32({3, 4});
  Node n =
      make_node(OpKind::kSlice, 9, 1, 1,
                {{"starts", ints_attr({1})}, {"ends", ints_attr({-1})}, {"axes", ints_attr({-1})}});
  auto r = parse_and_run(n, {&x});
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(values_as_double((*r)[0]), (std::vector<double>{1, 2, 5, 6, 9, 10}));  // x[:, 1:-1]
  const Tensor st = i64({0}), en = i64({2}), ax = i64({0}), sp = i64({0});
  EXPECT_FALSE(run_status(make_node(OpKind::kSlice, 13, 5, 1), {&x, &st, &en, &ax, &sp}).is_ok());
}

TEST(TensorOps, SliceUnknownRangesLeaveOtherDimsKnown) {
  const Tensor axes = i64({1});
  Node n = make_node(OpKind::kSlice, 13, 4, 1);
  auto out = infer_static(n, {{DType::kF32, Shape{5, 6, 7}},
                              {DType::kI64, Shape{1}},
                              {DType::kI64, Shape{1}},
                              {DType::kI64, Shape{1}, &axes}});
  ASSERT_TRUE(out.is_ok()) << out.status().to_string();
  EXPECT_EQ(*(*out)[0].shape, (Shape{5, kUnknownDim, 7}));
}

// ---------------------------------------------------------------------------------------------
// Gather family

TEST(TensorOps, GatherNegativeIndicesAndOutOfRangeError) {
  const Tensor x = f32({3, 2});
  const Tensor idx = i64({-1, 0});
  Node n = make_node(OpKind::kGather, 13, 2, 1);
  auto r = parse_and_run(n, {&x, &idx});
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(values_as_double((*r)[0]), (std::vector<double>{4, 5, 0, 1}));  // x[[-1, 0]]
  const Tensor bad = i64({1, 5});
  const Status st = run_status(make_node(OpKind::kGather, 13, 2, 1), {&x, &bad});
  ASSERT_FALSE(st.is_ok());
  EXPECT_EQ(st.code(), StatusCode::kRuntimeError);
  EXPECT_TRUE(contains(st.message(), kNodeName)) << st.message();
  EXPECT_TRUE(contains(st.message(), "index 5")) << st.message();
  EXPECT_TRUE(contains(st.message(), "size 3")) << st.message();
}

TEST(TensorOps, GatherNDWithBatchDims) {
  const Tensor x = f32({2, 2, 2});
  const Tensor idx = i64({1, -2}, Shape{2, 1});  // batch_dims=1: [x[0][1], x[1][0]]
  Node n = make_node(OpKind::kGatherND, 13, 2, 1, {{"batch_dims", int_attr(1)}});
  auto r = parse_and_run(n, {&x, &idx});
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ((*r)[0].shape(), (Shape{2, 2}));
  EXPECT_EQ(values_as_double((*r)[0]), (std::vector<double>{2, 3, 4, 5}));
}

TEST(TensorOps, ScatterElementsAddAndScatterNDRangeError) {
  const Tensor x = f32({1, 4}, {1, 1, 1, 1});
  const Tensor idx = i64({1, 1, -1}, Shape{1, 3});
  const Tensor upd = f32({1, 3}, {2, 3, 5});
  Node n = make_node(OpKind::kScatterElements, 16, 3, 1,
                     {{"axis", int_attr(1)}, {"reduction", string_attr("add")}});
  auto r = parse_and_run(n, {&x, &idx, &upd});
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(values_as_double((*r)[0]), (std::vector<double>{1, 6, 1, 6}));
  const Tensor nd_idx = i64({4}, Shape{1, 1});
  const Tensor nd_upd = f32({1, 4});
  const Status st =
      run_status(make_node(OpKind::kScatterND, 13, 3, 1), {&x, &nd_idx, &nd_upd});
  EXPECT_EQ(st.code(), StatusCode::kRuntimeError) << st.to_string();
}

// ---------------------------------------------------------------------------------------------
// Size guards: products are checked for overflow and outputs against the memory limit.

TEST(TensorOps, HugeOutputsAreRefusedBeforeAllocation) {
  const Tensor x = f32({1, 1});
  const int64_t limit = int64_t{1} << 20;
  const Tensor big = i64({int64_t{1} << 20, int64_t{1} << 20});
  Status st = run_status(make_node(OpKind::kExpand, 13, 2, 1), {&x, &big}, limit);
  EXPECT_EQ(st.code(), StatusCode::kResourceLimit) << st.to_string();
  st = run_status(make_node(OpKind::kTile, 13, 2, 1), {&x, &big}, limit);
  EXPECT_EQ(st.code(), StatusCode::kResourceLimit) << st.to_string();
  st = run_status(make_node(OpKind::kConstantOfShape, 13, 1, 1), {&big}, limit);
  EXPECT_EQ(st.code(), StatusCode::kResourceLimit) << st.to_string();
  const Tensor pads = i64({0, 0, int64_t{1} << 30, int64_t{1} << 30});
  st = run_status(make_node(OpKind::kPad, 13, 2, 1), {&x, &pads}, limit);
  EXPECT_EQ(st.code(), StatusCode::kResourceLimit) << st.to_string();
  const Tensor a = f32({}, {0}), b = f32({}, {1e12f}), d = f32({}, {1});
  st = run_status(make_node(OpKind::kRange, 13, 3, 1), {&a, &b, &d}, limit);
  EXPECT_EQ(st.code(), StatusCode::kResourceLimit) << st.to_string();
  // Element counts that overflow int64 are refused by inference.
  const Tensor huge = i64({int64_t{1} << 40, int64_t{1} << 40});
  st = run_status(make_node(OpKind::kExpand, 13, 2, 1), {&x, &huge});
  EXPECT_FALSE(st.is_ok());
  EXPECT_TRUE(contains(st.message(), "overflow")) << st.message();
  const Tensor reps = i64({kI64Max, 2});
  const Tensor x2 = f32({2, 1});
  st = run_status(make_node(OpKind::kTile, 13, 2, 1), {&x2, &reps});
  EXPECT_TRUE(contains(st.message(), "overflow")) << st.message();
}

// ---------------------------------------------------------------------------------------------
// Pad, Split, Concat, Transpose, Squeeze/Unsqueeze

TEST(TensorOps, PadModesAndNegativePads) {
  const Tensor x = f32({1, 3}, {1, 2, 3});
  const Tensor pads = i64({0, 2, 0, 3});
  struct Case {
    const char* mode;
    std::vector<double> want;  // np.pad(x, ((0,0),(2,3)), mode)
  };
  for (const Case& c : {Case{"constant", {0, 0, 1, 2, 3, 0, 0, 0}},
                        Case{"edge", {1, 1, 1, 2, 3, 3, 3, 3}},
                        Case{"reflect", {3, 2, 1, 2, 3, 2, 1, 2}}}) {
    Node n = make_node(OpKind::kPad, 13, 2, 1, {{"mode", string_attr(c.mode)}});
    auto r = parse_and_run(n, {&x, &pads});
    ASSERT_TRUE(r.is_ok()) << r.status().to_string();
    EXPECT_EQ(values_as_double((*r)[0]), c.want) << c.mode;
  }
  const Tensor crop = i64({0, -1, 0, 1});  // drop the first element, append one
  const Tensor value = f32({}, {9});
  Node n = make_node(OpKind::kPad, 13, 3, 1);
  auto r = parse_and_run(n, {&x, &crop, &value});
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(values_as_double((*r)[0]), (std::vector<double>{2, 3, 9}));
  const Tensor too_much = i64({0, -2, 0, -2});
  EXPECT_FALSE(run_status(make_node(OpKind::kPad, 13, 2, 1), {&x, &too_much}).is_ok());
}

TEST(TensorOps, SplitEqualUnevenAndGivenSizes) {
  const Tensor x = f32({5, 2});
  EXPECT_FALSE(run_status(make_node(OpKind::kSplit, 13, 1, 2), {&x}).is_ok());  // 5 into 2
  const Tensor sizes = i64({1, 4});
  Node n = make_node(OpKind::kSplit, 13, 2, 2);
  auto r = parse_and_run(n, {&x, &sizes});
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ((*r)[0].shape(), (Shape{1, 2}));
  EXPECT_EQ((*r)[1].shape(), (Shape{4, 2}));
  EXPECT_EQ(values_as_double((*r)[1]), (std::vector<double>{2, 3, 4, 5, 6, 7, 8, 9}));
  Node old = make_node(OpKind::kSplit, 11, 1, 2, {{"axis", int_attr(-1)}});
  r = parse_and_run(old, {&x});
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(values_as_double((*r)[0]), (std::vector<double>{0, 2, 4, 6, 8}));  // x[:, 0]
}

TEST(TensorOps, ConcatWithEmptyInputAndMismatch) {
  const Tensor a = f32({2, 0}), b = f32({2, 2});
  Node n = make_node(OpKind::kConcat, 13, 2, 1, {{"axis", int_attr(-1)}});
  auto r = parse_and_run(n, {&a, &b});
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(values_as_double((*r)[0]), values_as_double(b));
  const Tensor c = f32({3, 2});
  EXPECT_FALSE(
      run_status(make_node(OpKind::kConcat, 13, 2, 1, {{"axis", int_attr(1)}}), {&b, &c}).is_ok());
}

// Squeeze by axes that arrive at run time (a graph input): load-time inference fixes the output
// type from the number of axes alone ([3,5,0] minus 3 axes: []), so a session must still check
// the axes' values at run time and refuse dims that are not 1 with the node's name (found by the
// model-loader fuzzer: the kernel was reached and reported an internal error).
TEST(TensorOps, SqueezeByRunTimeAxesChecksTheirValuesInASession) {
  // Declared [3,5,0] and 3 axes; the run feeds axes {0, 1, 2}.
  rt::NamedTensors feeds;
  auto g = one_node_graph(OpKind::kSqueeze, 13, {}, {f32({3, 5, 0}), i64({0, 1, 2})}, {}, feeds);
  ASSERT_TRUE(g);
  auto s = rt::Session::from_graph(std::move(g), rt::SessionOptions{});
  ASSERT_TRUE(s.is_ok()) << s.status().to_string();
  auto out = (*s)->run(feeds);
  ASSERT_FALSE(out.is_ok());
  EXPECT_NE(out.status().code(), StatusCode::kInternal) << out.status().to_string();
  EXPECT_NE(out.status().message().find("Squeeze 'n1'"), std::string::npos) << out.status().to_string();
  EXPECT_NE(out.status().message().find("not 1"), std::string::npos) << out.status().to_string();
}

TEST(TensorOps, TransposeAndSqueezeUnsqueeze) {
  const Tensor x = f32({2, 1, 3});
  Node t = make_node(OpKind::kTranspose, 13, 1, 1, {{"perm", ints_attr({2, 0, 1})}});
  auto r = parse_and_run(t, {&x});
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ((*r)[0].shape(), (Shape{3, 2, 1}));
  EXPECT_EQ(values_as_double((*r)[0]),
            (std::vector<double>{0, 3, 1, 4, 2, 5}));  // x.transpose(2,0,1)
  Node bad = make_node(OpKind::kTranspose, 13, 1, 1, {{"perm", ints_attr({0, 0, 1})}});
  EXPECT_FALSE(run_status(bad, {&x}).is_ok());
  Node sq = make_node(OpKind::kSqueeze, 13, 1, 1);
  r = parse_and_run(sq, {&x});
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ((*r)[0].shape(), (Shape{2, 3}));
  const Tensor axes = i64({0});
  EXPECT_FALSE(run_status(make_node(OpKind::kSqueeze, 13, 2, 1), {&x, &axes}).is_ok());  // dim 2
  const Tensor uaxes = i64({-1, 0});
  Node us = make_node(OpKind::kUnsqueeze, 13, 2, 1);
  r = parse_and_run(us, {&x, &uaxes});
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ((*r)[0].shape(), (Shape{1, 2, 1, 3, 1}));
}

// ---------------------------------------------------------------------------------------------
// Generators and data-dependent shapes

TEST(TensorOps, RangeConstantOfShapeEyeLike) {
  const Tensor a = i64({10}, Shape{}), b = i64({-3}, Shape{}), d = i64({-4}, Shape{});
  Node n = make_node(OpKind::kRange, 11, 3, 1);
  auto r = parse_and_run(n, {&a, &b, &d});
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(values_as_double((*r)[0]),
            (std::vector<double>{10, 6, 2, -2}));  // np.arange(10, -3, -4)
  const Tensor zero = i64({0}, Shape{});
  EXPECT_FALSE(run_status(make_node(OpKind::kRange, 11, 3, 1), {&a, &b, &zero}).is_ok());
  const Tensor empty = i64({});
  Node c = make_node(OpKind::kConstantOfShape, 9, 1, 1);
  r = parse_and_run(c, {&empty});
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ((*r)[0].shape(), Shape{});
  const Tensor x = f32({2, 3});
  Node e = make_node(OpKind::kEyeLike, 9, 1, 1, {{"k", int_attr(1)}});
  r = parse_and_run(e, {&x});
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(values_as_double((*r)[0]),
            (std::vector<double>{0, 1, 0, 0, 0, 1}));  // np.eye(2, 3, k=1)
}

TEST(TensorOps, ConstantRefusesStringsAndSparse) {
  Node s = make_node(OpKind::kConstant, 13, 0, 1, {{"value_string", string_attr("x")}});
  EXPECT_EQ(ir::parse_node(s).code(), StatusCode::kUnsupported);
  Attribute sparse;  // the loader keeps SPARSE_TENSOR attributes as kOther
  Node sp = make_node(OpKind::kConstant, 13, 0, 1, {{"sparse_value", sparse}});
  EXPECT_EQ(ir::parse_node(sp).code(), StatusCode::kUnsupported);
  Node ints = make_node(OpKind::kConstant, 13, 0, 1, {{"value_ints", ints_attr({4, 5})}});
  auto r = parse_and_run(ints, {});
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ((*r)[0].dtype(), DType::kI64);
  EXPECT_EQ(values_as_double((*r)[0]), (std::vector<double>{4, 5}));
}

TEST(TensorOps, NonZeroCompressUniqueOneHot) {
  const Tensor x = f32({2, 3}, {0, 1, 0, -0.0f, NAN, 2});
  Node nz = make_node(OpKind::kNonZero, 13, 1, 1);
  auto r = parse_and_run(nz, {&x});
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ((*r)[0].shape(), (Shape{2, 3}));  // np.nonzero: NaN counts, -0.0 does not
  EXPECT_EQ(values_as_double((*r)[0]), (std::vector<double>{0, 1, 1, 1, 1, 2}));
  Tensor cond = Tensor::make(DType::kBool, Shape{2}).value();
  cond.data<bool>()[1] = true;
  Node cp = make_node(OpKind::kCompress, 11, 2, 1, {{"axis", int_attr(-1)}});
  r = parse_and_run(cp, {&x, &cond});
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ((*r)[0].shape(), (Shape{2, 1}));
  const Tensor u = i64({3, 1, 3, 2, 1});
  Node un = make_node(OpKind::kUnique, 11, 1, 4, {{"sorted", int_attr(0)}});
  r = parse_and_run(un, {&u});
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(values_as_double((*r)[0]), (std::vector<double>{3, 1, 2}));
  EXPECT_EQ(values_as_double((*r)[1]), (std::vector<double>{0, 1, 3}));
  EXPECT_EQ(values_as_double((*r)[2]), (std::vector<double>{0, 1, 0, 2, 1}));
  EXPECT_EQ(values_as_double((*r)[3]), (std::vector<double>{2, 2, 1}));
  const Tensor idx = i64({-1, 5}), depth = i64({3}, Shape{}), vals = f32({2}, {0, 1});
  Node oh = make_node(OpKind::kOneHot, 11, 3, 1);
  r = parse_and_run(oh, {&idx, &depth, &vals});
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  // -1 wraps to 2; 5 is outside [-3, 3) and gives all off values (ONNX spec).
  EXPECT_EQ(values_as_double((*r)[0]), (std::vector<double>{0, 0, 1, 0, 0, 0}));
}

// ---------------------------------------------------------------------------------------------
// Resize

TEST(TensorOps, ResizeBilinearHalfPixelAndNearest) {
  const Tensor x = f32({1, 1, 2, 2}, {1, 2, 3, 4});
  const Tensor roi = f32({0});
  const Tensor scales = f32({4}, {1, 1, 2, 2});
  Node lin = make_node(OpKind::kResize, 13, 3, 1, {{"mode", string_attr("linear")}});
  auto r = parse_and_run(lin, {&x, &roi, &scales});
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  // half_pixel: x_in = (x_out + 0.5) / 2 - 0.5 -> -0.25, 0.25, 0.75, 1.25 (clamped at the edges)
  // per axis weights give rows [1, 1.25, 1.75, 2] and the same plus 2 for the second row.
  const std::vector<double> row = {1, 1.25, 1.75, 2};
  std::vector<double> want;
  for (double dy : {0.0, 0.5, 1.5, 2.0})
    for (double v : row) want.push_back(v + dy);
  const auto got = values_as_double((*r)[0]);
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-6) << i;
  const Tensor sizes = i64({1, 1, 3, 1});
  Node nn = make_node(OpKind::kResize, 13, 4, 1,
                      {{"coordinate_transformation_mode", string_attr("asymmetric")},
                       {"nearest_mode", string_attr("floor")}});
  r = parse_and_run(nn, {&x, &roi, nullptr, &sizes});
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  // x_in = x_out * 2/3 -> rows 0, 0, 1; column x_out * 2 -> 0.
  EXPECT_EQ(values_as_double((*r)[0]), (std::vector<double>{1, 1, 3}));
  const Tensor both = f32({4}, {1, 1, 2, 2});
  EXPECT_FALSE(run_status(make_node(OpKind::kResize, 13, 4, 1), {&x, &roi, &both, &sizes}).is_ok());
}

TEST(TensorOps, ResizeStaticInferenceFromScales) {
  const Tensor scales = f32({4}, {1, 1, 1.5f, 0.5f});
  Node n = make_node(OpKind::kResize, 13, 3, 1);
  auto out = infer_static(n, {{DType::kF32, Shape{1, 3, 5, 7}}, {DType::kF32, Shape{0}},
                              {DType::kF32, Shape{4}, &scales}});
  ASSERT_TRUE(out.is_ok()) << out.status().to_string();
  EXPECT_EQ(*(*out)[0].shape, (Shape{1, 3, 7, 3}));  // floor(5 * 1.5), floor(7 * 0.5)
}

}  // namespace
}  // namespace sf::test
