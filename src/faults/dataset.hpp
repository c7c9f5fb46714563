// Campaign inputs: the items a campaign injects on, for a model with one input.
//   FILE.npy                  float32 (or uint8, scaled) array: one item of the input's shape,
//                             or N items stacked on a leading axis ([N, ...] or [N, 1, ...])
//   FILE-idx3-ubyte[.gz]      IDX images (MNIST / Fashion-MNIST layout), pixel * scale
//   random:N                  N seeded random items, uniform in [0, 1)
// `scale` multiplies uint8 data (default 1/255, the embedded model's preprocessing);
// `offset` skips the first items; `limit` then keeps the first of the rest only (0: all).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.hpp"
#include "runtime/session.hpp"

namespace sf::faults {

struct Dataset {
  std::string description;           // "t10k-images-idx3-ubyte.gz: 10000 items of float32[1,1,28,28]"
  std::vector<rt::NamedTensors> items;
};

struct DatasetOptions {
  double scale = 1.0 / 255.0;
  int64_t limit = 0;
  int64_t offset = 0;  // skip the first items (before `limit` applies)
  uint64_t seed = 0;  // random:N
};

Result<Dataset> load_dataset(const rt::Session& session, const std::string& source,
                             const DatasetOptions& opts);

}  // namespace sf::faults
