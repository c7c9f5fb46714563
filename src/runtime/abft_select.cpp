// Measured choice between the global and the tile scheme per layer shape (abft_select.hpp).
#include "runtime/abft_select.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/cpu_features.hpp"
#include "runtime/fast_kernel.hpp"
#include "runtime/machine.hpp"

namespace sf::rt {

namespace {

constexpr int kTimedRuns = 5;

std::string cache_file() {
  auto p = machine_cache_path();
  if (!p) return "";
  return (std::filesystem::path(*p).parent_path() / "abft_select.json").string();
}

std::string shape_key(const ir::Graph& g, const std::vector<ir::ValueId>& ids) {
  std::string s;
  for (ir::ValueId id : ids) {
    s += "[";
    if (id != ir::kNoValue && g.value(id).type.shape)
      for (int64_t d : *g.value(id).type.shape) s += std::to_string(d) + ",";
    s += "]";
  }
  return s;
}

std::mutex g_cache_mu;

nlohmann::json read_cache(const std::string& path) {
  std::ifstream f(path);
  if (!f) return nlohmann::json::object();
  std::stringstream ss;
  ss << f.rdbuf();
  nlohmann::json j = nlohmann::json::parse(ss.str(), nullptr, false);
  return j.is_object() ? j : nlohmann::json::object();
}

// Static shape of value id, or nullopt.
std::optional<Shape> static_shape(const ir::Graph& g, ir::ValueId id) {
  const ir::TypeInfo& t = g.value(id).type;
  if (!t.shape || !shape_is_static(*t.shape)) return std::nullopt;
  return *t.shape;
}

// Best-of time of one prepared kernel on fixed inputs, in ms.
Result<double> time_kernel(const PreparedKernel& k, const ir::Node& n,
                           const std::vector<const Tensor*>& in,
                           const std::vector<ir::TypeInfo>& out_types, int threads) {
  double best = 1e300;
  for (int r = 0; r < kTimedRuns; ++r) {
    KernelContext ctx(n, in, out_types, MemoryLimit::kDefaultBytes);
    ctx.threads = threads;
    for (size_t o = 0; o < out_types.size(); ++o) {
      SF_ASSIGN_OR_RETURN(ctx.out[o], Tensor::make(out_types[o].dtype, *out_types[o].shape));
    }
    abft::CheckResult check;
    ctx.abft = &check;
    const auto t0 = std::chrono::steady_clock::now();
    SF_TRY(k.run(ctx));
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (r > 0) best = std::min(best, ms);  // the first run warms caches
  }
  return best;
}

}  // namespace

Result<std::optional<MeasuredChoice>> measure_abft_choice(const ir::Graph& g, const ir::Node& n,
                                                          const ExecOptions& opts) {
  // Inputs: the graph's constants, else seeded random data of the static shape.
  std::vector<Tensor> owned;
  std::vector<const Tensor*> in(n.inputs.size(), nullptr);
  owned.reserve(n.inputs.size());
  for (size_t i = 0; i < n.inputs.size(); ++i) {
    const ir::ValueId id = n.inputs[i];
    if (id == ir::kNoValue) continue;
    const ir::Value& v = g.value(id);
    if (v.constant && v.constant->raw()) {
      in[i] = &*v.constant;
      continue;
    }
    const auto shape = static_shape(g, id);
    if (!shape || v.type.dtype != DType::kF32) return std::optional<MeasuredChoice>();
    SF_ASSIGN_OR_RETURN(Tensor t, Tensor::make(DType::kF32, *shape));
    uint32_t state = 2024u + static_cast<uint32_t>(i);
    for (int64_t e = 0; e < t.numel(); ++e) {
      state = state * 1664525u + 1013904223u;
      t.data<float>()[e] = static_cast<float>(state >> 8) / 16777216.0f - 0.5f;
    }
    owned.push_back(std::move(t));
    in[i] = &owned.back();
  }
  std::vector<ir::TypeInfo> out_types;
  for (ir::ValueId id : n.outputs) {
    if (id == ir::kNoValue || !static_shape(g, id)) return std::optional<MeasuredChoice>();
    out_types.push_back(g.value(id).type);
  }
  const std::string key = std::string(ir::op_name(n.op)) + shape_key(g, n.inputs) + "->" +
                          shape_key(g, n.outputs) + "|t" + std::to_string(opts.threads) + "|" +
                          isa_name(max_isa());
  const std::string path = cache_file();
  {
    std::lock_guard<std::mutex> lock(g_cache_mu);
    const nlohmann::json cache = path.empty() ? nlohmann::json::object() : read_cache(path);
    if (cache.contains(key) && cache[key].is_object()) {
      const auto& e = cache[key];
      MeasuredChoice c;
      c.global_ms = e.value("global_ms", 0.0);
      c.tile_ms = e.value("tile_ms", 0.0);
      c.scheme = e.value("scheme", "") == "tile" ? abft::Scheme::kTile : abft::Scheme::kGlobal;
      c.from_cache = true;
      return std::optional<MeasuredChoice>(c);
    }
  }
  MeasuredChoice c;
  double times[2] = {0, 0};
  const abft::Scheme schemes[2] = {abft::Scheme::kGlobal, abft::Scheme::kTile};
  for (int s = 0; s < 2; ++s) {
    SF_ASSIGN_OR_RETURN(std::unique_ptr<PreparedKernel> k, prepare_fast_kernel(g, n, opts, schemes[s]));
    if (!k || k->abft_scheme() != schemes[s]) return std::optional<MeasuredChoice>();
    SF_ASSIGN_OR_RETURN(times[s], time_kernel(*k, n, in, out_types, opts.threads));
  }
  c.global_ms = times[0];
  c.tile_ms = times[1];
  c.scheme = c.tile_ms < c.global_ms ? abft::Scheme::kTile : abft::Scheme::kGlobal;
  if (!path.empty()) {
    std::lock_guard<std::mutex> lock(g_cache_mu);
    nlohmann::json cache = read_cache(path);
    cache[key] = {{"global_ms", c.global_ms}, {"tile_ms", c.tile_ms},
                  {"scheme", abft::scheme_name(c.scheme)}};
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
    const std::string tmp = path + ".tmp";
    std::ofstream f(tmp);
    f << cache.dump(1) << "\n";
    f.close();
    if (f) std::filesystem::rename(tmp, path, ec);  // an unwritable cache only costs re-timing
  }
  return std::optional<MeasuredChoice>(c);
}

}  // namespace sf::rt
