// The embedded Fashion-MNIST CNN, seeded random inputs and recorded faults, shared by the
// campaign tests.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "faults/campaign.hpp"
#include "faults/dataset.hpp"
#include "faults/fault_model.hpp"
#include "kernels/cpu/gemm/abft.hpp"
#include "runtime/session.hpp"

namespace sf::faults::test_fixture {

inline std::unique_ptr<rt::Session> load_embedded(int threads, bool keep = false, bool fuse = true,
                                                  bool layout = true) {
  rt::SessionOptions so;
  so.threads = threads;
  so.keep_constants = keep;
  so.exec.fuse = fuse;
  so.exec.layout = layout;
  auto s = rt::Session::load(std::string(SF_SOURCE_DIR) + "/models/embedded/fashion_cnn.onnx", so);
  EXPECT_TRUE(s.is_ok()) << s.status().to_string();
  return std::move(s).value();
}

inline Dataset random_inputs(const rt::Session& s, int n, uint64_t seed) {
  DatasetOptions o;
  o.seed = seed;
  auto d = load_dataset(s, "random:" + std::to_string(n), o);
  EXPECT_TRUE(d.is_ok()) << d.status().to_string();
  return std::move(d).value();
}

// A campaign of `fault` (parse_fault_model's syntax) at `site`: n injections, seeded.
inline CampaignSpec spec_of(const std::string& fault, Site site, int64_t n, uint64_t seed) {
  CampaignSpec spec;
  spec.fault = *parse_fault_model(fault);
  spec.site = site;
  spec.n = n;
  spec.seed = seed;
  return spec;
}

// The campaign `spec` plans over the inputs of d (the first input's golden run as the sample).
inline Campaign plan_campaign(const rt::Session& s, const Dataset& d, const CampaignSpec& spec) {
  auto sample = s.capture(d.items[0]);
  EXPECT_TRUE(sample.is_ok());
  auto c = Campaign::plan(s, spec, static_cast<int64_t>(d.items.size()), *sample);
  EXPECT_TRUE(c.is_ok()) << c.status().to_string();
  return std::move(c).value();
}

// The accumulator fault an injection record describes (Injector::inject_accumulator's "faults").
inline cpu::AccumulatorFault recorded_accumulator_fault(const nlohmann::json& rec) {
  const auto& f = rec["faults"][0];
  cpu::AccumulatorFault af;
  af.skip_tiles = f["tile"].get<int64_t>();
  af.row_pick = f["row_pick"].get<uint32_t>();
  af.col_pick = f["col_pick"].get<uint32_t>();
  af.at = f["at"].get<double>();
  af.bit = __builtin_ctz(f["mask"].get<uint32_t>());
  return af;
}

}  // namespace sf::faults::test_fixture
