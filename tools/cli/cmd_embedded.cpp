// The main job: classify the embedded Fashion-MNIST test images with the embedded CNN
// (models/embedded/, trained by models/embedded/train.py) and say whether each is right.
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "io/onnx/loader.hpp"
#include "runtime/fault_observer.hpp"
#include "runtime/session.hpp"
#include "tools/cli/commands.hpp"
#include "tools/cli/common_options.hpp"

extern const unsigned char sf_embedded_model[];
extern const std::size_t sf_embedded_model_size;
extern const unsigned char sf_embedded_images[];
extern const std::size_t sf_embedded_images_size;
extern const unsigned char sf_embedded_images_json[];
extern const std::size_t sf_embedded_images_json_size;

namespace sf::cli {

namespace {

// Runs image 0 again with one soft error injected: the exponent's top bit of an accumulator in
// the middle of the first checksum-protected layer's K loop (a 2^128-fold error), and shows the
// check catching it, the layer recomputed and the prediction unchanged.
int demonstrate_fault(const rt::Session& s, Result<Tensor> input, int64_t clean_prediction) {
  if (!input) return report(input.status());
  size_t node = s.graph().nodes.size();
  for (size_t k = 0; k < s.graph().nodes.size() && node == s.graph().nodes.size(); ++k)
    if (s.abft_plan(k).scheme == abft::Scheme::kGlobal || s.abft_plan(k).scheme == abft::Scheme::kTile)
      node = k;
  if (node == s.graph().nodes.size()) return report(internal_error("no checksum-protected layer"));
  cpu::AccumulatorFault f;
  f.bit = 30;
  f.at = 0.5;
  f.skip_tiles = 3;
  f.row_pick = 1;
  f.col_pick = 5;
  rt::AccumulatorFaultObserver inject(node, f);
  abft::Report r;
  std::printf("\nfault demonstration: image #0 again, flipping bit %d of an accumulator in %s "
              "(%s scheme: %s)\n", f.bit, s.graph().nodes[node].label().c_str(),
              std::string(abft::scheme_name(s.abft_plan(node).scheme)).c_str(),
              s.abft_plan(node).reason.c_str());
  auto out = s.run({{"image", *input}}, &inject, &r);
  if (!out) return report(out.status());
  print_abft_summary(r);
  const Tensor& logits = (*out)[0].second;
  int64_t best = 0;
  for (int64_t c = 0; c < logits.numel(); ++c)
    if (logits.double_at(c) > logits.double_at(best)) best = c;
  int64_t corrected = 0, alarms = 0;
  for (const abft::LayerStats& l : r.layers) corrected += l.corrected, alarms += l.alarms;
  const bool ok = inject.fired() && alarms > 0 && corrected > 0 && best == clean_prediction;
  std::printf("fault %s, %s, %s; prediction %s (class %lld)\n", inject.fired() ? "injected" : "NOT injected",
              alarms > 0 ? "detected" : "NOT detected", corrected > 0 ? "corrected" : "NOT corrected",
              best == clean_prediction ? "unchanged" : "CHANGED", static_cast<long long>(best));
  return ok ? kExitOk : kExitFailure;
}

}  // namespace

int run_embedded_default() {
  auto meta = nlohmann::json::parse(
      std::string(reinterpret_cast<const char*>(sf_embedded_images_json), sf_embedded_images_json_size),
      nullptr, false);
  if (meta.is_discarded()) return report(internal_error("embedded images.json is corrupt"));
  auto model = onnx_io::load_model_bytes(sf_embedded_model, sf_embedded_model_size, "");
  if (!model) return report(model.status().with_context("embedded model"));
  // Protected inference: every GEMM-like layer checked by the scheme its arithmetic intensity asks
  // for, the other layers duplicated.
  rt::SessionOptions so;
  so.exec.abft = abft::Mode::kAuto;
  so.exec.abft_dmr_other = true;
  auto session = rt::Session::from_graph(std::move(model->graph), so);
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
  abft::Report clean_report;
  std::vector<int64_t> predicted;
  auto image = [&](size_t k) {
    auto t = Tensor::make(DType::kF32, {1, 1, h, w});
    if (t)
      for (int64_t i = 0; i < h * w; ++i)
        t->data<float>()[i] = static_cast<float>(sf_embedded_images[k * static_cast<size_t>(h * w) + static_cast<size_t>(i)]) / 255.0f;
    return t;
  };
  for (size_t k = 0; k < images.size(); ++k) {
    auto t = image(k);
    if (!t) return report(t.status());
    auto out = (*session)->run({{"image", *t}}, nullptr, &clean_report);
    if (!out) return report(out.status());
    const Tensor& logits = (*out)[0].second;
    int64_t best = 0;
    double mx = -INFINITY, sum = 0;
    for (int64_t c = 0; c < logits.numel(); ++c) mx = std::max(mx, logits.double_at(c));
    for (int64_t c = 0; c < logits.numel(); ++c) {
      sum += std::exp(logits.double_at(c) - mx);
      if (logits.double_at(c) > logits.double_at(best)) best = c;
    }
    predicted.push_back(best);
    const int label = images[k]["label"];
    const bool ok = best == label;
    right += ok;
    std::printf("#%-5d %-14s %-14s %9.1f%%  %s\n", images[k]["index"].get<int>(),
                names[static_cast<size_t>(label)].get<std::string>().c_str(),
                names[static_cast<size_t>(best)].get<std::string>().c_str(), 100.0 / sum,
                ok ? "right" : "WRONG");
  }
  std::printf("%d of %zu right\n", right, images.size());
  print_abft_summary(clean_report);
  return demonstrate_fault(**session, image(0), predicted.empty() ? -1 : predicted[0]);
}

}  // namespace sf::cli
