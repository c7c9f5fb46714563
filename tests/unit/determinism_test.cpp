// Deterministic mode: the same model gives bit-identical outputs for any thread count, because
// fast kernels split work only over independent output blocks (never a reduction).
#include <gtest/gtest.h>

#include "io/onnx/loader.hpp"
#include "runtime/session.hpp"

namespace sf {
namespace {

std::vector<float> run_embedded(int threads) {
  const std::string path = std::string(SF_SOURCE_DIR) + "/models/embedded/fashion_cnn.onnx";
  rt::SessionOptions so;
  so.threads = threads;
  auto s = rt::Session::load(path, so);
  EXPECT_TRUE(s.is_ok()) << s.status().to_string();
  if (!s.is_ok()) return {};
  const auto in = (*s)->inputs().at(0);
  Shape shape = *in.type.shape;
  for (auto& d : shape) d = d < 0 ? 3 : d;  // batch 3
  auto x = Tensor::make(DType::kF32, shape);
  for (int64_t i = 0; i < x->numel(); ++i)
    x->data<float>()[i] = static_cast<float>((i * 7919) % 1000) / 1000.0f - 0.3f;
  auto out = (*s)->run({{in.name, *x}});
  EXPECT_TRUE(out.is_ok()) << out.status().to_string();
  if (!out.is_ok()) return {};
  const Tensor& y = out->at(0).second;
  return std::vector<float>(y.data<float>(), y.data<float>() + y.numel());
}

TEST(Determinism, EmbeddedModelBitIdenticalAcrossThreadCounts) {
  const std::vector<float> one = run_embedded(1);
  ASSERT_FALSE(one.empty());
  for (int t : {2, 3, 4}) EXPECT_EQ(run_embedded(t), one) << "threads " << t;
}

}  // namespace
}  // namespace sf
