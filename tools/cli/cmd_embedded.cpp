// The main job: classify the embedded Fashion-MNIST test images with the embedded CNN
// (models/embedded/, trained by models/embedded/train.py) and say whether each is right.
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "io/onnx/loader.hpp"
#include "runtime/session.hpp"
#include "tools/cli/commands.hpp"

extern const unsigned char sf_embedded_model[];
extern const std::size_t sf_embedded_model_size;
extern const unsigned char sf_embedded_images[];
extern const std::size_t sf_embedded_images_size;
extern const unsigned char sf_embedded_images_json[];
extern const std::size_t sf_embedded_images_json_size;

namespace sf::cli {

int run_embedded_default() {
  auto meta = nlohmann::json::parse(
      std::string(reinterpret_cast<const char*>(sf_embedded_images_json), sf_embedded_images_json_size),
      nullptr, false);
  if (meta.is_discarded()) return report(internal_error("embedded images.json is corrupt"));
  auto model = onnx_io::load_model_bytes(sf_embedded_model, sf_embedded_model_size, "");
  if (!model) return report(model.status().with_context("embedded model"));
  auto session = rt::Session::from_graph(std::move(model->graph), rt::SessionOptions{});
  if (!session) return report(session.status().with_context("embedded model"));
  const auto& names = meta["class_names"];
  const auto& images = meta["images"];
  const int64_t h = meta["height"], w = meta["width"];
  if (sf_embedded_images_size != images.size() * static_cast<size_t>(h * w))
    return report(internal_error("embedded images.bin does not match images.json"));
  std::printf("steadfast: embedded Fashion-MNIST CNN (%zu bytes), %zu test images\n",
              sf_embedded_model_size, images.size());
  std::printf("%-6s %-14s %-14s %10s  %s\n", "image", "label", "predicted", "confidence", "");
  int right = 0;
  for (size_t k = 0; k < images.size(); ++k) {
    auto t = Tensor::make(DType::kF32, {1, 1, h, w});
    if (!t) return report(t.status());
    for (int64_t i = 0; i < h * w; ++i)
      t->data<float>()[i] = static_cast<float>(sf_embedded_images[k * static_cast<size_t>(h * w) + static_cast<size_t>(i)]) / 255.0f;
    auto out = (*session)->run({{"image", *t}});
    if (!out) return report(out.status());
    const Tensor& logits = (*out)[0].second;
    int64_t best = 0;
    double mx = -INFINITY, sum = 0;
    for (int64_t c = 0; c < logits.numel(); ++c) mx = std::max(mx, logits.double_at(c));
    for (int64_t c = 0; c < logits.numel(); ++c) {
      sum += std::exp(logits.double_at(c) - mx);
      if (logits.double_at(c) > logits.double_at(best)) best = c;
    }
    const int label = images[k]["label"];
    const bool ok = best == label;
    right += ok;
    std::printf("#%-5d %-14s %-14s %9.1f%%  %s\n", images[k]["index"].get<int>(),
                names[static_cast<size_t>(label)].get<std::string>().c_str(),
                names[static_cast<size_t>(best)].get<std::string>().c_str(), 100.0 / sum,
                ok ? "right" : "WRONG");
  }
  std::printf("%d of %zu right\n", right, images.size());
  return kExitOk;
}

}  // namespace sf::cli
