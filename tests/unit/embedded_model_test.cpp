// The embedded Fashion-MNIST CNN against ONNX Runtime: models/embedded/images.json stores the
// logits ONNX Runtime 1.23.2 computed for each embedded image (models/embedded/train.py).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "runtime/session.hpp"

namespace sf {
namespace {

const std::string kDir = std::string(SF_SOURCE_DIR) + "/models/embedded";

TEST(EmbeddedModel, LogitsMatchOnnxRuntime) {
  std::ifstream jf(kDir + "/images.json");
  ASSERT_TRUE(jf.good());
  const auto meta = nlohmann::json::parse(jf);
  std::ifstream bf(kDir + "/images.bin", std::ios::binary);
  const std::string pixels((std::istreambuf_iterator<char>(bf)), std::istreambuf_iterator<char>());
  const int64_t hw = meta["height"].get<int64_t>() * meta["width"].get<int64_t>();
  ASSERT_EQ(pixels.size(), meta["images"].size() * static_cast<size_t>(hw));

  auto session = rt::Session::load(kDir + "/fashion_cnn.onnx", rt::SessionOptions{});
  ASSERT_TRUE(session.is_ok()) << session.status().to_string();
  for (size_t k = 0; k < meta["images"].size(); ++k) {
    auto x = Tensor::make(DType::kF32, {1, 1, 28, 28});
    ASSERT_TRUE(x.is_ok());
    for (int64_t i = 0; i < hw; ++i)
      x->data<float>()[i] = static_cast<uint8_t>(pixels[k * static_cast<size_t>(hw) + static_cast<size_t>(i)]) / 255.0f;
    auto out = (*session)->run({{"image", *x}});
    ASSERT_TRUE(out.is_ok()) << out.status().to_string();
    const Tensor& logits = (*out)[0].second;
    const auto& want = meta["images"][k]["onnxruntime_logits"];
    ASSERT_EQ(logits.numel(), static_cast<int64_t>(want.size()));
    for (size_t c = 0; c < want.size(); ++c) {
      const double e = want[c].get<double>();
      // The stored values carry 6 significant digits.
      EXPECT_NEAR(logits.data<float>()[c], e, 1e-4 + 1e-5 * std::fabs(e)) << "image " << k << " class " << c;
    }
  }
}

}  // namespace
}  // namespace sf
