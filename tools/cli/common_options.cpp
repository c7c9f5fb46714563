#include "tools/cli/common_options.hpp"

#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>

#include "io/npy/npy.hpp"

namespace sf::cli {

namespace {

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

}  // namespace

void add_model_options(CLI::App* cmd, ModelArgs& a, RandomInputs random, bool model_optional) {
  auto* m = cmd->add_option("model", a.model, "ONNX model file");
  if (!model_optional) m->required();
  cmd->add_option("--input,-i", a.inputs, "Input tensor as NAME=FILE.npy (repeatable)");
  if (random == RandomInputs::kFlag) {
    cmd->add_flag("--random", a.random, "Fill inputs that are not given with seeded random data");
  } else {
    a.random = true;
  }
  cmd->add_option("--seed", a.seed, "Seed of the random inputs")->default_val(0);
  cmd->add_option("--threads", a.threads, "Worker threads (0: one per physical core)")
      ->default_val(0);
  cmd->add_option("--max-tensor-bytes", a.max_tensor_bytes,
                  "Refuse any tensor larger than this many bytes")
      ->default_val(MemoryLimit::kDefaultBytes);
  cmd->add_flag("--no-fast-kernels", a.no_fast_kernels, "Reference kernels only");
  cmd->add_flag("--no-fuse", a.no_fuse, "No graph fusion passes");
  cmd->add_flag("--no-layout", a.no_layout, "No channels-last layout for convolutions");
  cmd->add_flag("--no-winograd", a.no_winograd, "No Winograd convolutions");
  cmd->add_flag("--no-pack", a.no_pack, "Pack weights per run instead of once at load");
  cmd->add_flag("--no-memory-plan", a.no_memory_plan, "No arena with liveness-based reuse");
  cmd->add_option("--abft", a.abft,
                  "Soft-error protection: auto (per layer by arithmetic intensity), global, tile, "
                  "dmr (duplicate every layer) or off")
      ->check(CLI::IsMember({"auto", "global", "tile", "dmr", "off"}))
      ->default_val("off");
  cmd->add_option("--abft-select", a.abft_select,
                  "How --abft auto picks a layer's scheme: intensity (against the machine "
                  "balance) or measured (times both once per layer shape, cached)")
      ->check(CLI::IsMember({"intensity", "measured"}))
      ->default_val("intensity");
  cmd->add_flag("--abft-dmr-other", a.abft_dmr_other,
                "With --abft: also duplicate and compare the layers no checksum covers");
  cmd->add_option("--abft-balance", a.abft_balance,
                  "Machine balance in FLOP/byte for --abft auto (0: measured by steadfast machine)")
      ->default_val(0)
      ->check(CLI::Range(0.0, 1e6));
  cmd->add_option("--abft-report", a.abft_report, "Write the ABFT run report (JSON) to this file");
}

void print_abft_summary(const abft::Report& r) {
  int64_t per[4] = {0, 0, 0, 0}, checks = 0, alarms = 0, corrected = 0, unrecoverable = 0;
  for (const abft::LayerStats& l : r.layers) {
    ++per[static_cast<int>(l.scheme)];
    checks += l.checks, alarms += l.alarms, corrected += l.corrected;
    unrecoverable += l.unrecoverable;
  }
  std::printf("abft: %lld layers global, %lld tile, %lld dmr; %lld checks, %lld alarms, %lld corrected, "
              "%lld unrecoverable\n",
              static_cast<long long>(per[1]), static_cast<long long>(per[2]),
              static_cast<long long>(per[3]), static_cast<long long>(checks),
              static_cast<long long>(alarms), static_cast<long long>(corrected),
              static_cast<long long>(unrecoverable));
  for (const abft::Event& e : r.events)
    std::printf("abft event: %s (%s) %s check: result %.9g, checksum %.9g, |difference| %.3g, "
                "tolerance %.3g -> %s\n",
                e.node.c_str(), e.op.c_str(), std::string(abft::scheme_name(e.scheme)).c_str(),
                e.result, e.checksum, std::fabs(e.difference), e.tolerance, e.action.c_str());
}

rt::SessionOptions session_options(const ModelArgs& a) {
  rt::SessionOptions o = session_options_no_abft(a);
  o.exec.abft = abft::parse_mode(a.abft).value_or(abft::Mode::kOff);
  o.exec.abft_select = abft::parse_select(a.abft_select).value_or(abft::Select::kIntensity);
  o.exec.abft_dmr_other = a.abft_dmr_other;
  o.exec.abft_balance = a.abft_balance;
  return o;
}

rt::SessionOptions session_options_no_abft(const ModelArgs& a) {
  rt::SessionOptions so;
  so.threads = a.threads;
  so.max_tensor_bytes = a.max_tensor_bytes;
  so.exec.fast_kernels = !a.no_fast_kernels;
  so.exec.fuse = !a.no_fuse;
  so.exec.layout = !a.no_layout;
  so.exec.winograd = !a.no_winograd;
  so.exec.pack_weights = !a.no_pack;
  so.exec.memory_plan = !a.no_memory_plan;
  return so;
}

Result<rt::NamedTensors> make_feeds(const rt::Session& session, const ModelArgs& a) {
  rt::NamedTensors feeds;
  for (const std::string& spec : a.inputs) {
    const size_t eq = spec.find('=');
    if (eq == std::string::npos || eq == 0)
      return invalid_argument("--input '" + spec + "' must be NAME=FILE.npy");
    auto t = npy::read_npy(spec.substr(eq + 1), a.max_tensor_bytes);
    if (!t) return t.status().with_context("input '" + spec.substr(0, eq) + "'");
    feeds.emplace_back(spec.substr(0, eq), std::move(t).value());
  }
  const auto declared = session.inputs();
  for (const auto& feed : feeds) {
    const std::string& name = feed.first;
    if (std::none_of(declared.begin(), declared.end(),
                     [&](const rt::IoInfo& d) { return d.name == name; })) {
      std::string names;
      for (const auto& d : declared) names += (names.empty() ? "" : ", ") + d.name;
      return invalid_argument("--input: the model has no input named '" + name + "' (inputs: " +
                              names + ")");
    }
  }
  std::mt19937_64 rng(a.seed);
  for (const rt::IoInfo& info : declared) {
    const bool given = std::any_of(feeds.begin(), feeds.end(),
                                   [&](const auto& f) { return f.first == info.name; });
    if (given) continue;
    if (!a.random)
      return invalid_argument("input '" + info.name + "' (" + info.type.str() +
                              ") is not given: pass --input " + info.name + "=FILE.npy or --random");
    SF_ASSIGN_OR_RETURN(Tensor t, random_tensor(info, rng, a.max_tensor_bytes));
    feeds.emplace_back(info.name, std::move(t));
  }
  return feeds;
}

std::string ablation_string(const ModelArgs& a) {
  std::string s;
  auto add = [&](bool off, const char* name) {
    if (off) s += (s.empty() ? "" : ",") + std::string(name);
  };
  add(a.no_fast_kernels, "no-fast-kernels");
  add(a.no_fuse, "no-fuse");
  add(a.no_layout, "no-layout");
  add(a.no_winograd, "no-winograd");
  add(a.no_pack, "no-pack");
  add(a.no_memory_plan, "no-memory-plan");
  return s;
}

double peak_rss_mb() {
  rusage ru{};
  if (getrusage(RUSAGE_SELF, &ru) != 0) return 0;
  return static_cast<double>(ru.ru_maxrss) / 1024.0;  // Linux reports KiB
}

}  // namespace sf::cli
