// steadfast abft-campaign: measures the ABFT checks (abft.md §10, docs/abft-campaign.md).
//
// Per model and scheme (--schemes global,tile,dmr,auto; one session each, --threads, default 1):
//  1. fault-free: --fault-free N seeded inferences whose float inputs cycle over the magnitudes
//     1e-6, 1e-3, 1, 1e3, 1e6, 1e12 (uniform in [-s, s]) and N(0, 1); counts checks, alarms and
//     runs that end detected-unrecoverable, and bounds the false-alarm rate (95%, exact binomial).
//  2. injection: one bit flip per run in a protected node that runs on a BRGEMM kernel: a node
//     drawn uniformly, a tile uniform over the node's tiles (skip_tiles, calibrated by counting
//     them), a random element of the tile, a step `at` (1 with probability 1/4: the output element
//     after the K loop; else uniform in [0, 1): an accumulator inside it) and a bit 0..31 uniform.
//     The flip's size |after - before| is compared with the tolerance of the check that covers
//     it (abft_campaign_report.hpp): above it the check must raise an alarm, and the corrected
//     outputs must equal the fault-free outputs bit for bit. DMR nodes are judged on bytes: the
//     same fault is run again in an unprotected twin session (same kernels, so the same element
//     is hit: the flipped values are compared to make sure) and "above" means the node's output
//     bytes changed. It injects until --min-above above-tolerance injections (or
//     --max-injections).
// The exit code is 1 when any false alarm, missed above-tolerance injection or wrong correction
// occurs, or a scheme with candidate nodes did not reach --min-above; the hidden --break-checks
// turns every comparison off (core/fp_bounds.hpp), which must make the campaign fail with misses.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <random>

#include "core/fp_bounds.hpp"
#include "io/onnx/loader.hpp"
#include "runtime/machine.hpp"
#include "runtime/session.hpp"
#include "tools/cli/abft_campaign_report.hpp"
#include "tools/cli/commands.hpp"

extern const unsigned char sf_embedded_model[];
extern const std::size_t sf_embedded_model_size;

namespace sf::cli {

namespace {

using campaign::Campaign;
using campaign::FaultFreeRow;
using campaign::Injection;
using campaign::InjectionRow;

constexpr double kScales[] = {1e-6, 1e-3, 1.0, 1e3, 1e6, 1e12};
constexpr int kInputKinds = 7;         // the six scales, then N(0, 1)
constexpr int kNormalKind = 6;
constexpr int kInputPool = 4;          // fault-free inputs the injections draw from
constexpr int64_t kNeverFires = INT64_MAX / 4;  // skip_tiles that only counts tiles
constexpr int kMaxRetriesPerNode = 50;  // a node whose fault keeps not firing is dropped
constexpr int64_t kProgressEvery = 100;
const char* const kEmbedded = "embedded";

struct CampaignArgs {
  std::vector<std::string> models;
  std::string schemes = "global,tile,dmr,auto";
  int threads = 1;
  int64_t fault_free = 100, min_above = 299, max_injections = 20000;
  uint64_t seed = 1;
  double balance = 0;
  bool dmr_other = false, break_checks = false;
  std::string json, markdown;
};

// FNV-1a then splitmix64: a seed per (campaign seed, model, scheme, purpose, index) that does not
// depend on the standard library's hash.
uint64_t mix_seed(uint64_t seed, const std::string& a, const std::string& b, uint64_t purpose,
                  uint64_t index) {
  uint64_t h = 1469598103934665603ull ^ seed;
  for (const std::string* s : {&a, &b})
    for (unsigned char ch : *s) h = (h ^ ch) * 1099511628211ull;
  h ^= purpose * 0x9E3779B97F4A7C15ull + index;
  h += 0x9E3779B97F4A7C15ull;
  h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9ull;
  h = (h ^ (h >> 27)) * 0x94D049BB133111EBull;
  return h ^ (h >> 31);
}

std::string model_label(const std::string& m) {
  if (m == kEmbedded) return "fashion_cnn (embedded)";
  std::string s = m.substr(m.find_last_of('/') + 1);
  const size_t dot = s.rfind(".onnx");
  return dot == std::string::npos ? s : s.substr(0, dot);
}

Result<std::unique_ptr<rt::Session>> load_session(const std::string& model, abft::Mode mode,
                                                  const CampaignArgs& a) {
  rt::SessionOptions so;
  so.threads = a.threads;
  so.exec.abft = mode;
  so.exec.abft_dmr_other = a.dmr_other;
  so.exec.abft_balance = a.balance;
  if (model == kEmbedded) {
    SF_ASSIGN_OR_RETURN(onnx_io::LoadedModel m,
                        onnx_io::load_model_bytes(sf_embedded_model, sf_embedded_model_size, ""));
    return rt::Session::from_graph(std::move(m.graph), so);
  }
  return rt::Session::load(model, so);
}

// Seeded values for every model input (free dims 1). Floats: uniform in [-s, s] with
// s = kScales[kind], or N(0, 1) for kNormalKind. Integers: an attention mask is ones then zeros
// (a random valid length), token types 0 or 1, other integers (token ids) uniform in [0, 1000).
Result<rt::NamedTensors> make_inputs(const rt::Session& s, uint64_t seed, int kind) {
  std::mt19937_64 rng(seed);
  rt::NamedTensors feeds;
  for (const rt::IoInfo& info : s.inputs()) {
    Shape shape = info.type.shape.value_or(Shape{});
    for (int64_t& d : shape) d = d < 0 ? 1 : d;
    const DType dt = info.type.dtype == DType::kUndefined ? DType::kF32 : info.type.dtype;
    SF_ASSIGN_OR_RETURN(Tensor t, Tensor::make(dt, shape));
    std::string lower = info.name;
    for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    const bool mask = lower.find("mask") != std::string::npos;
    const bool types = lower.find("type") != std::string::npos;
    const int64_t n = t.numel();
    const int64_t valid = n > 0 ? 1 + static_cast<int64_t>(rng() % static_cast<uint64_t>(n)) : 0;
    std::normal_distribution<double> normal(0.0, 1.0);
    std::uniform_real_distribution<double> uniform(-1.0, 1.0);
    const bool ok = visit_dtype(dt, [&](auto tag) {
      using T = typename decltype(tag)::type;
      T* d = t.data<T>();
      for (int64_t i = 0; i < n; ++i) {
        if constexpr (std::is_same_v<T, bool>) {
          d[i] = rng() % 2;
        } else if constexpr (std::is_integral_v<T>) {
          d[i] = static_cast<T>(mask ? (i < valid ? 1 : 0) : types ? rng() % 2 : rng() % 1000);
        } else {
          const double v = kind == kNormalKind ? normal(rng) : uniform(rng) * kScales[kind];
          d[i] = T(static_cast<float>(v));
        }
      }
    });
    if (!ok) return unsupported("input '" + info.name + "': cannot make values of type " +
                                std::string(dtype_name(dt)));
    feeds.emplace_back(info.name, std::move(t));
  }
  return feeds;
}

bool same_outputs(const rt::NamedTensors& a, const rt::NamedTensors& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].second.nbytes() != b[i].second.nbytes() ||
        std::memcmp(a[i].second.raw(), b[i].second.raw(), a[i].second.nbytes()) != 0)
      return false;
  return true;
}

// Per-row argmax of the first output when it is [rows, classes] (a classifier's logits); empty
// otherwise.
std::vector<int64_t> top1(const rt::NamedTensors& out) {
  std::vector<int64_t> best;
  if (out.empty()) return best;
  const Tensor& t = out[0].second;
  if (t.rank() != 2 || t.shape()[1] < 2 || t.dtype() != DType::kF32) return best;
  const int64_t rows = t.shape()[0], classes = t.shape()[1];
  const float* d = t.data<float>();
  for (int64_t r = 0; r < rows; ++r) {
    int64_t b = 0;
    for (int64_t j = 1; j < classes; ++j)
      if (d[r * classes + j] > d[r * classes + b]) b = j;
    best.push_back(b);
  }
  return best;
}

struct Totals {
  int64_t checks = 0, unverifiable = 0, alarms = 0;
};
Totals totals(const abft::Report& r) {
  Totals t;
  for (const abft::LayerStats& l : r.layers)
    t.checks += l.checks, t.unverifiable += l.unverifiable, t.alarms += l.alarms;
  return t;
}

// Arms `fault` while node `node` runs and keeps a copy of its output bytes when `capture`; with
// no fault it only captures. Disarms after the node so no later node is hit.
class NodeProbe : public rt::RunObserver {
 public:
  NodeProbe(size_t node, const cpu::AccumulatorFault* fault, bool capture)
      : node_(node), fault_(fault), capture_(capture) {}
  void before_node(size_t index, const ir::Node&) override {
    if (index == node_ && fault_) cpu::fault_arm(*fault_);
  }
  Status after_node(size_t index, const ir::Node&, std::vector<Tensor>& out, double) override {
    if (index != node_) return Status::ok();
    if (fault_) cpu::fault_disarm();
    if (capture_)
      for (const Tensor& t : out) {
        const auto* p = static_cast<const unsigned char*>(t.raw());
        bytes.insert(bytes.end(), p, p + t.nbytes());
      }
    return Status::ok();
  }
  std::vector<unsigned char> bytes;

 private:
  size_t node_;
  const cpu::AccumulatorFault* fault_;
  bool capture_;
};

// Arms a fault that never fires before every node and reads how many tiles each one counted.
class TileCounter : public rt::RunObserver {
 public:
  explicit TileCounter(size_t nodes) : tiles(nodes, 0) {}
  void before_node(size_t, const ir::Node&) override {
    cpu::AccumulatorFault f;
    f.skip_tiles = kNeverFires;
    cpu::fault_arm(f);
  }
  Status after_node(size_t index, const ir::Node&, std::vector<Tensor>&, double) override {
    tiles[index] = cpu::fault_tiles_counted();
    cpu::fault_disarm();
    return Status::ok();
  }
  std::vector<int64_t> tiles;
};

// What the fired fault did (read after the run).
struct Fired {
  bool fired = false, flipped = false, tile_checked = false;
  float before = 0, after = 0;
  double tolerance = 0, difference = 0;
};
Fired read_fault() {
  cpu::fault_disarm();
  Fired f;
  f.fired = cpu::fault_fired();
  f.flipped = cpu::fault_last_flip(&f.before, &f.after);
  f.tile_checked = cpu::fault_last_tile_check(&f.tolerance, &f.difference);
  return f;
}

bool same_bits(float x, float y) { return std::memcmp(&x, &y, sizeof x) == 0; }

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

Status fault_free(const CampaignArgs& a, const std::string& model, abft::Mode mode, Campaign& c) {
  const auto t0 = std::chrono::steady_clock::now();
  SF_ASSIGN_OR_RETURN(std::unique_ptr<rt::Session> s, load_session(model, mode, a));
  FaultFreeRow row;
  row.model = model_label(model);
  row.mode = std::string(abft::mode_name(mode));
  row.threads = a.threads;
  abft::Report report;
  auto last = std::chrono::steady_clock::now();
  for (int64_t i = 0; i < a.fault_free; ++i) {
    const int kind = static_cast<int>(i % kInputKinds);
    SF_ASSIGN_OR_RETURN(rt::NamedTensors in,
                        make_inputs(*s, mix_seed(a.seed, row.model, row.mode, 1, static_cast<uint64_t>(i)), kind));
    auto out = s->run(in, nullptr, &report);
    if (!out) {
      if (out.status().code() != StatusCode::kDetectedUnrecoverable) return out.status();
      ++row.failed_runs;
      std::fprintf(stderr, "abft-campaign: FALSE ALARM (unrecoverable) in %s/%s inference %lld: %s\n",
                   row.model.c_str(), row.mode.c_str(), static_cast<long long>(i),
                   out.status().to_string().c_str());
    }
    ++row.inferences;
    if (seconds_since(last) > 30) {
      last = std::chrono::steady_clock::now();
      std::fprintf(stderr, "abft-campaign: %s/%s fault-free: %lld of %lld inferences, %lld alarms\n",
                   row.model.c_str(), row.mode.c_str(), static_cast<long long>(row.inferences),
                   static_cast<long long>(a.fault_free), static_cast<long long>(totals(report).alarms));
    }
  }
  const Totals t = totals(report);
  row.checks = t.checks, row.unverifiable = t.unverifiable, row.alarms = t.alarms;
  row.seconds = seconds_since(t0);
  for (const abft::Event& e : report.events)
    std::fprintf(stderr, "abft-campaign: FALSE ALARM in %s/%s: %s (%s) %s |difference| %.3g > tolerance %.3g\n",
                 row.model.c_str(), row.mode.c_str(), e.node.c_str(), e.op.c_str(),
                 std::string(abft::scheme_name(e.scheme)).c_str(), std::fabs(e.difference), e.tolerance);
  std::fprintf(stderr, "abft-campaign: %s/%s fault-free: %lld inferences, %lld checks, %lld alarms (%.1f s)\n",
               row.model.c_str(), row.mode.c_str(), static_cast<long long>(row.inferences),
               static_cast<long long>(row.checks), static_cast<long long>(row.alarms), row.seconds);
  c.fault_free_rows.push_back(row);
  return Status::ok();
}

struct Candidate {
  size_t node = 0;
  abft::Scheme scheme = abft::Scheme::kNone;
  int64_t tiles = 0;
  int misses_in_a_row = 0;  // the fault did not fire, or the twin hit another element
};

Status inject(const CampaignArgs& a, const std::string& model, abft::Mode mode, Campaign& c) {
  const auto t0 = std::chrono::steady_clock::now();
  InjectionRow row;
  row.model = model_label(model);
  row.mode = std::string(abft::mode_name(mode));
  SF_ASSIGN_OR_RETURN(std::unique_ptr<rt::Session> s, load_session(model, mode, a));
  const size_t nodes = s->graph().nodes.size();
  std::mt19937_64 rng(mix_seed(a.seed, row.model, row.mode, 2, 0));

  // The inputs the injections draw from and their fault-free outputs.
  std::vector<rt::NamedTensors> inputs, clean;
  for (int p = 0; p < kInputPool; ++p) {
    SF_ASSIGN_OR_RETURN(rt::NamedTensors in,
                        make_inputs(*s, mix_seed(a.seed, row.model, row.mode, 3, static_cast<uint64_t>(p)), kNormalKind));
    abft::Report r;
    SF_ASSIGN_OR_RETURN(rt::NamedTensors out, s->run(in, nullptr, &r));
    if (totals(r).alarms != 0)
      return internal_error(row.model + "/" + row.mode + ": alarm in a fault-free reference run");
    inputs.push_back(std::move(in));
    clean.push_back(std::move(out));
  }

  // Candidate nodes and their tile counts; DMR nodes are counted in the unprotected twin, whose
  // single run of the node is the range the fault must fire in.
  const abft::Scheme want = mode == abft::Mode::kGlobal ? abft::Scheme::kGlobal
                            : mode == abft::Mode::kTile ? abft::Scheme::kTile
                            : mode == abft::Mode::kDmr  ? abft::Scheme::kDmr
                                                        : abft::Scheme::kNone;
  std::unique_ptr<rt::Session> twin;
  std::vector<size_t> layer_of(nodes, 0);  // node -> index in Report::layers
  bool any_dmr = false;
  for (size_t k = 0, li = 0; k < nodes; ++k) {
    const abft::Scheme sc = s->abft_plan(k).scheme;
    if (sc != abft::Scheme::kNone) layer_of[k] = li++;
    any_dmr = any_dmr || sc == abft::Scheme::kDmr;
  }
  if (any_dmr) {
    SF_ASSIGN_OR_RETURN(twin, load_session(model, abft::Mode::kOff, a));
    if (twin->graph().nodes.size() != nodes)
      return internal_error(row.model + ": the unprotected twin has a different graph");
  }
  TileCounter own(nodes), twins(nodes);
  SF_TRY(s->run(inputs[0], &own).status());
  if (twin) SF_TRY(twin->run(inputs[0], &twins).status());
  std::vector<Candidate> cands;
  for (size_t k = 0; k < nodes; ++k) {
    const abft::Scheme sc = s->abft_plan(k).scheme;
    if (sc == abft::Scheme::kNone || (want != abft::Scheme::kNone && sc != want)) continue;
    if (s->kernel_name(k) == "ref") continue;
    const int64_t tiles = sc == abft::Scheme::kDmr ? twins.tiles[k] : own.tiles[k];
    if (tiles > 0) cands.push_back({k, sc, tiles, 0});
  }
  row.candidate_nodes = static_cast<int64_t>(cands.size());
  std::fprintf(stderr, "abft-campaign: %s/%s: %zu candidate nodes\n", row.model.c_str(),
               row.mode.c_str(), cands.size());

  std::map<std::pair<int, size_t>, std::vector<unsigned char>> clean_node;  // DMR: (input, node)
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  while (!cands.empty() && row.tally.above < a.min_above && row.tally.injections < a.max_injections) {
    const size_t ci = static_cast<size_t>(rng() % cands.size());
    Candidate& cand = cands[ci];
    Injection inj;
    inj.model = row.model;
    inj.mode = row.mode;
    inj.node = s->graph().nodes[cand.node].label();
    inj.scheme = cand.scheme;
    inj.input = static_cast<int>(rng() % kInputPool);
    cpu::AccumulatorFault f;
    f.skip_tiles = static_cast<int64_t>(rng() % static_cast<uint64_t>(cand.tiles));
    f.row_pick = static_cast<uint32_t>(rng());
    f.col_pick = static_cast<uint32_t>(rng());
    f.at = rng() % 4 == 0 ? 1.0 : unit(rng);
    f.bit = static_cast<int>(rng() % 32);
    inj.skip_tiles = f.skip_tiles, inj.row_pick = f.row_pick, inj.col_pick = f.col_pick;
    inj.at = f.at, inj.bit = f.bit;

    NodeProbe probe(cand.node, &f, false);
    abft::Report report;
    auto out = s->run(inputs[static_cast<size_t>(inj.input)], &probe, &report);
    const Fired fired = read_fault();
    auto retry = [&] {
      ++row.retries;
      if (++cand.misses_in_a_row > kMaxRetriesPerNode) {
        std::fprintf(stderr, "abft-campaign: %s/%s: dropping node %s (its fault does not fire)\n",
                     row.model.c_str(), row.mode.c_str(), inj.node.c_str());
        cands.erase(cands.begin() + static_cast<std::ptrdiff_t>(ci));
      }
    };
    if (!fired.fired || !fired.flipped) {
      retry();
      continue;
    }
    inj.unrecoverable = !out && out.status().code() == StatusCode::kDetectedUnrecoverable;
    if (!out && !inj.unrecoverable) return out.status();
    inj.before = fired.before;
    inj.after = fired.after;
    inj.error = std::isfinite(fired.after)
                    ? std::fabs(static_cast<double>(fired.after) - static_cast<double>(fired.before))
                    : INFINITY;
    inj.detected = totals(report).alarms > 0 || inj.unrecoverable;
    inj.output_changed = out ? !same_outputs(*out, clean[static_cast<size_t>(inj.input)]) : false;
    const std::vector<int64_t> clean_top1 = top1(clean[static_cast<size_t>(inj.input)]);
    inj.top1_applicable = !clean_top1.empty();
    inj.top1_changed = inj.top1_applicable && out && top1(*out) != clean_top1;

    if (cand.scheme == abft::Scheme::kTile) {
      inj.classified = fired.tile_checked;
      inj.tolerance = fired.tolerance;
      inj.difference = fired.difference;
      inj.above = inj.classified && !(inj.error <= inj.tolerance);
    } else if (cand.scheme == abft::Scheme::kGlobal) {
      const abft::LayerStats& l = report.layers[layer_of[cand.node]];
      inj.classified = l.unverifiable == 0 && l.checks > 0;
      inj.tolerance = l.last_tolerance;
      for (const abft::Event& e : report.events)
        if (e.node == inj.node && e.attempt == 0) inj.difference = std::fabs(e.difference);
      inj.above = inj.classified && !(inj.error <= inj.tolerance);
    } else {
      // DMR: the same fault in the unprotected twin, and the node's output bytes against the
      // twin's fault-free ones.
      const auto key = std::make_pair(inj.input, cand.node);
      if (!clean_node.count(key)) {
        NodeProbe capture(cand.node, nullptr, true);
        SF_TRY(twin->run(inputs[static_cast<size_t>(inj.input)], &capture).status());
        clean_node[key] = std::move(capture.bytes);
      }
      NodeProbe faulty(cand.node, &f, true);
      SF_TRY(twin->run(inputs[static_cast<size_t>(inj.input)], &faulty).status());
      const Fired again = read_fault();
      if (!again.fired || !same_bits(again.before, fired.before) ||
          !same_bits(again.after, fired.after)) {
        retry();
        continue;
      }
      inj.tolerance = 0;
      inj.above = faulty.bytes != clean_node[key];
    }
    cand.misses_in_a_row = 0;
    if (inj.missed())
      std::fprintf(stderr, "abft-campaign: MISSED %s/%s %s bit %d at %.3f: %.9g -> %.9g, error %.3g > "
                   "tolerance %.3g (|sum - checksum| %.3g)\n", row.model.c_str(), row.mode.c_str(),
                   inj.node.c_str(), inj.bit, inj.at, inj.before, inj.after, inj.error, inj.tolerance,
                   inj.difference);
    if (inj.wrong_correction())
      std::fprintf(stderr, "abft-campaign: WRONG CORRECTION %s/%s %s bit %d at %.3f\n",
                   row.model.c_str(), row.mode.c_str(), inj.node.c_str(), inj.bit, inj.at);
    row.tally.add(inj);
    c.injections.push_back(std::move(inj));
    const auto& t = row.tally;
    if (t.injections % kProgressEvery == 0)
      std::fprintf(stderr, "abft-campaign: %s/%s: %lld injections, %lld above tolerance, %lld "
                   "detected, %lld missed, %lld wrong corrections (%.0f s)\n", row.model.c_str(),
                   row.mode.c_str(), static_cast<long long>(t.injections),
                   static_cast<long long>(t.above), static_cast<long long>(t.above_detected),
                   static_cast<long long>(t.missed), static_cast<long long>(t.wrong_corrections),
                   seconds_since(t0));
  }
  row.reached_target = row.tally.above >= a.min_above;
  row.seconds = seconds_since(t0);
  c.injection_rows.push_back(row);
  return Status::ok();
}

std::string format_double(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

int run_campaign(CampaignArgs a) {
  if (a.models.empty()) a.models.push_back(kEmbedded);
  if (a.threads < 1) return report(invalid_argument("--threads must be at least 1"));
  if (a.fault_free < 0 || a.min_above < 0 || a.max_injections < 0)
    return report(invalid_argument("--fault-free, --min-above and --max-injections must not be negative"));
  std::vector<abft::Mode> modes;
  Campaign c;
  for (size_t p = 0; p <= a.schemes.size();) {
    const size_t q = std::min(a.schemes.find(',', p), a.schemes.size());
    const std::string name = a.schemes.substr(p, q - p);
    const auto m = abft::parse_mode(name);
    if (!m || *m == abft::Mode::kOff)
      return report(invalid_argument("--schemes: '" + name + "' is not one of global, tile, dmr, auto"));
    modes.push_back(*m);
    c.modes.push_back(name);
    p = q + 1;
  }
  // One machine balance for the whole campaign, so every auto session splits layers alike.
  if (a.balance <= 0 && std::find(modes.begin(), modes.end(), abft::Mode::kAuto) != modes.end()) {
    auto m = rt::load_or_probe();
    if (!m) return report(m.status());
    const double bw = m->info.bandwidth_gbs_for(a.threads);
    a.balance = bw > 0 ? m->info.peak_gflops_for(a.threads) / bw : 0;
  }
  set_checks_disabled_for_testing(a.break_checks);
  c.threads = a.threads;
  c.seed = a.seed;
  c.fault_free = a.fault_free;
  c.min_above = a.min_above;
  c.max_injections = a.max_injections;
  c.balance = a.balance;
  c.dmr_other = a.dmr_other;
  c.checks_broken = a.break_checks;
  c.command = "steadfast abft-campaign";
  for (const std::string& m : a.models) {
    c.command += " " + m;
    c.models.push_back(model_label(m));
  }
  c.command += " --schemes " + a.schemes + " --threads " + std::to_string(a.threads) +
               " --fault-free " + std::to_string(a.fault_free) + " --min-above " +
               std::to_string(a.min_above) + " --max-injections " +
               std::to_string(a.max_injections) + " --seed " + std::to_string(a.seed) +
               " --abft-balance " + format_double(a.balance) + (a.dmr_other ? " --dmr-other" : "") +
               (a.break_checks ? " --break-checks" : "");
  for (const std::string& model : a.models)
    for (abft::Mode mode : modes) {
      if (a.fault_free > 0) {
        const Status st = fault_free(a, model, mode, c);
        if (!st.is_ok()) return report(st.with_context(model_label(model)));
      }
      if (a.min_above > 0) {
        const Status st = inject(a, model, mode, c);
        if (!st.is_ok()) return report(st.with_context(model_label(model)));
      }
    }
  set_checks_disabled_for_testing(false);

  campaign::print_text(c);
  if (!a.json.empty()) {
    std::ofstream f(a.json);
    f << campaign::to_json(c) << "\n";
    if (!f) return report(io_error("cannot write '" + a.json + "'"));
  }
  if (!a.markdown.empty()) {
    std::ofstream f(a.markdown);
    f << campaign::to_markdown(c);
    if (!f) return report(io_error("cannot write '" + a.markdown + "'"));
  }
  int64_t false_alarms = 0, missed = 0, wrong = 0, short_rows = 0;
  for (const FaultFreeRow& r : c.fault_free_rows) false_alarms += r.alarms + r.failed_runs;
  for (const InjectionRow& r : c.injection_rows) {
    missed += r.tally.missed, wrong += r.tally.wrong_corrections;
    if (r.candidate_nodes > 0 && !r.reached_target) ++short_rows;
  }
  if (false_alarms + missed + wrong + short_rows > 0) {
    std::printf("\nabft-campaign: FAILED: %lld false alarms, %lld above-tolerance injections missed, "
                "%lld wrong corrections, %lld schemes short of --min-above\n",
                static_cast<long long>(false_alarms), static_cast<long long>(missed),
                static_cast<long long>(wrong), static_cast<long long>(short_rows));
    return kExitFailure;
  }
  std::printf("\nabft-campaign: passed: 0 false alarms, 0 misses, 0 wrong corrections\n");
  return kExitOk;
}

}  // namespace

void add_abft_campaign_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<CampaignArgs>();
  CLI::App* cmd = app.add_subcommand(
      "abft-campaign",
      "Measure the ABFT checks: false alarms over seeded fault-free runs at magnitudes 1e-6..1e12, "
      "and detection of single bit flips injected into GEMM accumulators (docs/abft-campaign.md)");
  cmd->add_option("models", args->models,
                  "ONNX model files (default: the embedded Fashion-MNIST CNN; 'embedded' names it)");
  cmd->add_option("--schemes", args->schemes, "Comma-separated: global, tile, dmr, auto")
      ->default_val("global,tile,dmr,auto");
  cmd->add_option("--threads", args->threads, "Worker threads (1: reproducible tile order)")
      ->default_val(1);
  cmd->add_option("--fault-free", args->fault_free, "Fault-free inferences per model and scheme")
      ->default_val(100);
  cmd->add_option("--min-above", args->min_above,
                  "Inject until this many flips exceed the tolerance, per model and scheme (0: no "
                  "injection phase)")
      ->default_val(299);
  cmd->add_option("--max-injections", args->max_injections,
                  "At most this many injections per model and scheme")
      ->default_val(20000);
  cmd->add_option("--seed", args->seed, "Campaign seed")->default_val(1);
  cmd->add_option("--abft-balance", args->balance,
                  "Machine balance (FLOP/byte) for the auto scheme (0: from `steadfast machine`)")
      ->default_val(0)
      ->check(CLI::Range(0.0, 1e6));
  cmd->add_flag("--dmr-other", args->dmr_other,
                "Also duplicate the layers no checksum covers (global, tile, auto)");
  cmd->add_option("--json", args->json, "Write the campaign (summaries and every injection) as JSON");
  cmd->add_option("--markdown", args->markdown, "Write the tables as Markdown");
  // Hidden: turns every check off, so a test can prove the campaign reports the misses.
  cmd->add_flag("--break-checks", args->break_checks, "")->group("");
  cmd->callback([args, &exit_code] { exit_code = run_campaign(*args); });
}

}  // namespace sf::cli
