// fold_pad (run by fuse_for_cpu before fuse_conv) through rt::Session: a zero Pad in front of a
// convolution disappears into the convolution's pads and the outputs equal those of the graph
// loaded with exec.fuse off (Pad + Conv on their own kernels); a Pad with a non-zero value,
// reflect mode, channel pads, a second reader, an AveragePool reader or a SAME_* convolution
// stays.
#include <optional>
#include <string>
#include <vector>

#include "fusion_test_util.hpp"

namespace sf {
namespace {

using namespace fusion_test;  // NOLINT(build/namespaces): test helpers
using ir::OpKind;
using ir::ValueId;

Tensor i64s(const std::vector<int64_t>& v) {
  Tensor t = Tensor::make(DType::kI64, {static_cast<int64_t>(v.size())}).value();
  for (size_t i = 0; i < v.size(); ++i) t.data<int64_t>()[i] = v[i];
  return t;
}

struct PadSpec {
  std::vector<int64_t> pads = {0, 0, 0, 1, 0, 0, 1, 2};  // [N, C, H, W begins, then ends]
  int opset = 13;                                        // < 11: pads and value as attributes
  std::optional<float> value;                            // constant_value / value, absent if unset
  std::string mode = "constant";
};

enum class Reader { kConv, kDepthwiseConv, kFusedConv, kConvSameUpper, kAveragePool };

// x [1, 4, 7, 8] -> Pad -> reader (-> Relu); with `second_reader` the Pad output also feeds a
// Relu that is a graph output.
Case pad_case(const PadSpec& p, Reader reader, bool second_reader = false) {
  Case c;
  c.make = [=] {
    Builder b;
    const ValueId x = b.input("x", {1, 4, 7, 8});
    ir::AttrMap pa;
    std::vector<ValueId> pin = {x};
    if (p.mode != "constant") {
      Attribute m;
      m.kind = Attribute::Kind::kString;
      m.s = p.mode;
      pa["mode"] = m;
    }
    if (p.opset < 11) {
      pa["pads"] = ints(p.pads);
      if (p.value) pa["value"] = float1(*p.value);
    } else {
      pin.push_back(b.constant("pads", i64s(p.pads)));
      if (p.value) pin.push_back(b.constant("cval", scalar(*p.value)));
    }
    const ValueId padded = b.node(OpKind::kPad, pin, pa, p.opset);
    ValueId y = ir::kNoValue;
    switch (reader) {
      case Reader::kConv:
        y = b.node(OpKind::kConv,
                   {padded, b.constant("w", random_tensor({6, 4 + p.pads[1] + p.pads[5], 3, 3}, 1)),
                    b.constant("b", random_tensor({6}, 2))},
                   {{"pads", ints({1, 0, 0, 1})}, {"strides", ints({2, 1})}});
        break;
      case Reader::kDepthwiseConv:
        y = b.node(OpKind::kConv, {padded, b.constant("w", random_tensor({4, 1, 3, 3}, 3))},
                   {{"group", int1(4)}, {"strides", ints({2, 2})}});
        break;
      case Reader::kFusedConv:
        y = b.node(OpKind::kFusedConv, {padded, b.constant("w", random_tensor({6, 4, 3, 3}, 4))},
                   {{"pads", ints({1, 1, 1, 1})}}, 1);
        break;
      case Reader::kConvSameUpper: {
        Attribute ap;
        ap.kind = Attribute::Kind::kString;
        ap.s = "SAME_UPPER";
        y = b.node(OpKind::kConv, {padded, b.constant("w", random_tensor({6, 4, 3, 3}, 5))},
                   {{"auto_pad", ap}, {"kernel_shape", ints({3, 3})}});
        break;
      }
      case Reader::kAveragePool:
        y = b.node(OpKind::kAveragePool, {padded}, {{"kernel_shape", ints({3, 3})}});
        break;
    }
    b.output(b.node(OpKind::kRelu, {y}));
    if (second_reader) b.output(b.node(OpKind::kRelu, {padded}));
    auto g = b.take();
    for (ir::Node& n : g->nodes)
      if (ir::op_is_internal(n.op)) n.domain = ir::kInternalDomain;
    return g;
  };
  c.inputs = {{"x", random_tensor({1, 4, 7, 8}, 9)}};
  return c;
}

std::vector<int64_t> conv_pads(const rt::Session& s) {
  const ir::Node* f = find_op(s, OpKind::kFusedConv);
  return f ? f->attrs_as<ir::FusedConvAttrs>().pads : std::vector<int64_t>{};
}

TEST(FoldPad, ZeroPadInputFoldsIntoConvPads) {
  auto s = check(pad_case(PadSpec{}, Reader::kConv), {OpKind::kFusedConv});
  ASSERT_TRUE(s);
  EXPECT_EQ(s->pass_stats().pads_folded, 1);
  // Conv [1, 0, 0, 1] + Pad H/W [0, 1, 1, 2].
  EXPECT_EQ(conv_pads(*s), (std::vector<int64_t>{1, 1, 1, 3}));
}

TEST(FoldPad, ExplicitZeroValueAndAttributeFormsFold) {
  PadSpec zero;
  zero.value = 0.0f;
  auto s = check(pad_case(zero, Reader::kConv), {OpKind::kFusedConv});
  ASSERT_TRUE(s);
  EXPECT_EQ(s->pass_stats().pads_folded, 1);
  PadSpec attr;
  attr.opset = 2;
  attr.value = 0.0f;
  s = check(pad_case(attr, Reader::kConv), {OpKind::kFusedConv});
  ASSERT_TRUE(s);
  EXPECT_EQ(conv_pads(*s), (std::vector<int64_t>{1, 1, 1, 3}));
  attr.value.reset();
  s = check(pad_case(attr, Reader::kConv), {OpKind::kFusedConv});
  ASSERT_TRUE(s);
  EXPECT_EQ(s->pass_stats().pads_folded, 1);
}

TEST(FoldPad, DepthwiseConvWithoutPadsAndFusedConvFold) {
  // EfficientNet-Lite's "static_padding": asymmetric pads before a strided depthwise conv.
  auto s = check(pad_case(PadSpec{}, Reader::kDepthwiseConv), {OpKind::kFusedConv});
  ASSERT_TRUE(s);
  EXPECT_EQ(conv_pads(*s), (std::vector<int64_t>{0, 1, 1, 2}));
  // An input FusedConv (fuse_conv leaves it and its Relu alone).
  s = check(pad_case(PadSpec{}, Reader::kFusedConv), {OpKind::kFusedConv, OpKind::kRelu});
  ASSERT_TRUE(s);
  EXPECT_EQ(s->pass_stats().pads_folded, 1);
  EXPECT_EQ(conv_pads(*s), (std::vector<int64_t>{1, 2, 2, 3}));
}

TEST(FoldPad, NonZeroValueReflectModeAndChannelPadsStay) {
  PadSpec nonzero;
  nonzero.value = 0.5f;
  PadSpec attr_nonzero;
  attr_nonzero.opset = 2;
  attr_nonzero.value = -1.0f;
  PadSpec reflect;
  reflect.mode = "reflect";
  PadSpec channels;
  channels.pads = {0, 1, 1, 1, 0, 1, 1, 1};
  for (const PadSpec& p : {nonzero, attr_nonzero, reflect}) {
    auto s = check(pad_case(p, Reader::kConv), {OpKind::kPad, OpKind::kFusedConv});
    ASSERT_TRUE(s);
    EXPECT_EQ(s->pass_stats().pads_folded, 0);
    EXPECT_EQ(conv_pads(*s), (std::vector<int64_t>{1, 0, 0, 1}));
  }
  // Channel pads: W reads the 6 padded channels.
  auto s = check(pad_case(channels, Reader::kConv), {OpKind::kPad, OpKind::kFusedConv});
  ASSERT_TRUE(s);
  EXPECT_EQ(s->pass_stats().pads_folded, 0);
}

TEST(FoldPad, PadWithASecondReaderOrAPoolOrSameConvReaderStays) {
  auto s = check(pad_case(PadSpec{}, Reader::kConv, /*second_reader=*/true),
                 {OpKind::kPad, OpKind::kFusedConv, OpKind::kRelu});
  ASSERT_TRUE(s);
  EXPECT_EQ(s->pass_stats().pads_folded, 0);
  // AveragePool divides by the window's in-input count: padded zeros would count.
  s = check(pad_case(PadSpec{}, Reader::kAveragePool),
            {OpKind::kPad, OpKind::kAveragePool, OpKind::kRelu});
  ASSERT_TRUE(s);
  EXPECT_EQ(s->pass_stats().pads_folded, 0);
  s = check(pad_case(PadSpec{}, Reader::kConvSameUpper), {OpKind::kPad, OpKind::kFusedConv});
  ASSERT_TRUE(s);
  EXPECT_EQ(s->pass_stats().pads_folded, 0);
}

}  // namespace
}  // namespace sf
