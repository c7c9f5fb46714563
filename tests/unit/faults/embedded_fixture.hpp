// The embedded Fashion-MNIST CNN, seeded random inputs and recorded faults, shared by the
// campaign tests.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "faults/dataset.hpp"
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
