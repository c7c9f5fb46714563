// steadfast run: run a model on .npy inputs (or random ones) and write the outputs as .npz.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>

#include "io/npy/npy.hpp"
#include "runtime/session.hpp"
#include "tools/cli/commands.hpp"

namespace sf::cli {

namespace {

struct RunArgs {
  std::string model;
  std::vector<std::string> inputs;
  bool random = false;
  uint64_t seed = 0;
  std::string output;
  int threads = 0;
  int64_t max_tensor_bytes = MemoryLimit::kDefaultBytes;
  bool quiet = false;
};

Result<Tensor> random_tensor(const rt::IoInfo& info, std::mt19937_64& rng, int64_t limit) {
  Shape shape = info.type.shape.value_or(Shape{});
  for (int64_t& d : shape)
    if (d < 0) d = 1;  // free dims get 1
  DType dt = info.type.dtype == DType::kUndefined ? DType::kF32 : info.type.dtype;
  SF_ASSIGN_OR_RETURN(Tensor t, Tensor::make(dt, shape, limit));
  std::normal_distribution<float> normal(0.f, 1.f);
  std::uniform_int_distribution<int> small(0, 9);
  bool ok = visit_dtype(dt, [&](auto tag) {
    using T = typename decltype(tag)::type;
    for (int64_t i = 0; i < t.numel(); ++i) {
      if constexpr (std::is_same_v<T, bool>) t.data<T>()[i] = small(rng) % 2;
      else if constexpr (std::is_integral_v<T>) t.data<T>()[i] = static_cast<T>(small(rng));
      else t.data<T>()[i] = T(normal(rng));
    }
  });
  if (!ok) return unsupported("cannot make random input of type " + std::string(dtype_name(dt)));
  return t;
}

void print_summary(const std::string& name, const Tensor& t) {
  std::printf("  %s: %s", name.c_str(), t.describe().c_str());
  const int64_t n = std::min<int64_t>(t.numel(), 8);
  if (n > 0) {
    std::printf(" = [");
    for (int64_t i = 0; i < n; ++i) std::printf("%s%.6g", i ? ", " : "", t.double_at(i));
    std::printf("%s]", t.numel() > n ? ", ..." : "");
  }
  std::printf("\n");
}

int run_model(const RunArgs& a) {
  rt::SessionOptions so;
  so.threads = a.threads;
  so.max_tensor_bytes = a.max_tensor_bytes;
  auto session = rt::Session::load(a.model, so);
  if (!session) return report(session.status());
  rt::NamedTensors feeds;
  for (const std::string& spec : a.inputs) {
    const size_t eq = spec.find('=');
    if (eq == std::string::npos || eq == 0)
      return report(invalid_argument("--input '" + spec + "' must be NAME=FILE.npy"));
    auto t = npy::read_npy(spec.substr(eq + 1), a.max_tensor_bytes);
    if (!t) return report(t.status().with_context("input '" + spec.substr(0, eq) + "'"));
    feeds.emplace_back(spec.substr(0, eq), std::move(t).value());
  }
  const auto declared = (*session)->inputs();
  for (const auto& feed : feeds) {
    const std::string& name = feed.first;
    if (std::none_of(declared.begin(), declared.end(),
                     [&](const rt::IoInfo& d) { return d.name == name; })) {
      std::string names;
      for (const auto& d : declared) names += (names.empty() ? "" : ", ") + d.name;
      return report(invalid_argument("--input: the model has no input named '" + name + "' (inputs: " +
                                     names + ")"));
    }
  }
  std::mt19937_64 rng(a.seed);
  for (const rt::IoInfo& info : declared) {
    const bool given = std::any_of(feeds.begin(), feeds.end(),
                                   [&](const auto& f) { return f.first == info.name; });
    if (given) continue;
    if (!a.random)
      return report(invalid_argument("input '" + info.name + "' (" + info.type.str() +
                                     ") is not given: pass --input " + info.name +
                                     "=FILE.npy or --random"));
    auto t = random_tensor(info, rng, a.max_tensor_bytes);
    if (!t) return report(t.status());
    feeds.emplace_back(info.name, std::move(t).value());
  }
  auto out = (*session)->run(feeds);
  if (!out) return report(out.status());
  if (!a.quiet) {
    std::printf("outputs:\n");
    for (const auto& [name, t] : *out) print_summary(name, t);
  }
  if (!a.output.empty()) {
    auto st = npy::write_npz(a.output, *out);
    if (!st.is_ok()) return report(st);
    if (!a.quiet) std::printf("wrote %s\n", a.output.c_str());
  }
  return kExitOk;
}

}  // namespace

void add_run_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<RunArgs>();
  CLI::App* cmd = app.add_subcommand(
      "run", "Run a model (with no MODEL: classify the embedded Fashion-MNIST images)");
  cmd->add_option("model", args->model, "ONNX model file");
  cmd->add_option("--input,-i", args->inputs, "Input tensor as NAME=FILE.npy (repeatable)");
  cmd->add_flag("--random", args->random, "Fill inputs that are not given with seeded random data");
  cmd->add_option("--seed", args->seed, "Seed for --random")->default_val(0);
  cmd->add_option("--output,-o", args->output, "Write all outputs to this .npz file");
  cmd->add_option("--threads", args->threads, "Worker threads (0: one per core)")->default_val(0);
  cmd->add_option("--max-tensor-bytes", args->max_tensor_bytes,
                  "Refuse any tensor larger than this many bytes")
      ->default_val(MemoryLimit::kDefaultBytes);
  cmd->add_flag("--quiet,-q", args->quiet, "Print nothing but errors");
  cmd->callback([args, &exit_code] {
    exit_code = args->model.empty() ? run_embedded_default() : run_model(*args);
  });
}

}  // namespace sf::cli
