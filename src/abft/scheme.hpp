// ABFT schemes and the per-run report (see README.md).
//
// Mode is what the user asks for (--abft auto|global|tile|dmr|off); Scheme is what one layer got.
//   global  weight checksums at load, activation checksums per run, one comparison per layer of the
//           sum of the pre-epilogue outputs with the checksum dot product (cheap when compute-bound)
//   tile    the `_abft` BRGEMM variants verify every register tile in the microkernel (no extra
//           memory traffic: cheap when memory-bound); in-kernel recompute of a failing tile. The
//           fused attention's `_abft` variants check both GEMMs of every (query block, key block)
//           (kernels/cpu/attention/attention.hpp); attention has no global scheme
//   dmr     run the layer twice and compare the bytes (non-GEMM layers, and depthwise convolutions
//           whose checksum would cost as much as the layer)
//   auto    per GEMM-like layer: tile when its arithmetic intensity is below the machine balance,
//           global otherwise (`steadfast machine` gives the balance); or by measurement
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sf::abft {

enum class Mode : uint8_t { kOff, kAuto, kGlobal, kTile, kDmr };
enum class Scheme : uint8_t { kNone, kGlobal, kTile, kDmr };
// How auto picks between global and tile.
enum class Select : uint8_t { kIntensity, kMeasured };

std::string_view mode_name(Mode m);
std::string_view scheme_name(Scheme s);
std::optional<Mode> parse_mode(std::string_view s);
std::optional<Select> parse_select(std::string_view s);

// A register-tile alarm as the kernel saw it.
struct TileEvent {
  double result = 0, checksum = 0, tolerance = 0;
  bool corrected = false;  // the in-kernel recompute agreed with the checksum
};

// What one check of one layer run saw (filled by the kernel).
struct CheckResult {
  Scheme scheme = Scheme::kNone;
  bool verified = false;       // a comparison was made (false: unverifiable, e.g. Inf inputs)
  bool passed = true;
  double result = 0, checksum = 0, tolerance = 0;
  // Tile scheme: tiles checked, alarms raised and corrected in the kernel, tiles that stayed bad.
  int64_t tiles_checked = 0, tile_alarms = 0, tiles_corrected = 0, tiles_failed = 0;
  int64_t tiles_unverifiable = 0;  // checksum not finite (Inf/NaN inputs, overflow): not compared
  std::vector<TileEvent> tile_events;  // the first few alarms
};

// One event of the run report.
struct Event {
  std::string node, op;
  Scheme scheme = Scheme::kNone;
  double result = 0, checksum = 0, difference = 0, tolerance = 0;
  int attempt = 0;       // 0: first run of the layer
  std::string action;    // "tile recomputed", "layer recomputed", "unrecoverable"
};

// Per protected layer over a session's runs.
struct LayerStats {
  std::string node, op;
  Scheme scheme = Scheme::kNone;
  std::string reason;    // why this scheme (intensity vs balance, forced, measured)
  double intensity = 0;  // FLOP per byte of the layer
  int64_t checks = 0, unverifiable = 0, alarms = 0, recomputes = 0, corrected = 0,
          unrecoverable = 0;
  // Global scheme: the tolerance of the layer's latest verified check (fault campaigns compare an
  // injected error with it).
  double last_tolerance = 0;
};

struct Report {
  std::vector<LayerStats> layers;  // one per protected node, in execution order
  std::vector<Event> events;       // the first kMaxEvents
  static constexpr size_t kMaxEvents = 10000;
  int64_t runs = 0;
  std::string to_json() const;     // one JSON object
};

}  // namespace sf::abft
