// Set-up shared by the campaign commands (inject, mine): the model's session, configured for
// campaign workers, and the campaign data with the embedded model's default.
#pragma once

#include <memory>
#include <string>

#include "core/status.hpp"
#include "faults/campaign.hpp"
#include "faults/dataset.hpp"
#include "runtime/session.hpp"

namespace CLI {
class App;
}

namespace sf::cli {

constexpr const char* kEmbeddedModel = "embedded";
constexpr const char* kFashionTest = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz";

// A single-threaded session (campaign workers are single-threaded processes, runner.hpp) of
// `model` (a file, or "embedded"), with weights kept for weight sites and ABFT as asked.
Result<std::unique_ptr<rt::Session>> load_campaign_session(const std::string& model, faults::Site site,
                                                           const std::string& abft, double abft_balance);
// The model and inputs of a campaign command: `model [--data F] [--limit N] [--offset N] [--scale S]`.
struct CampaignInputArgs {
  std::string model = kEmbeddedModel;
  std::string data;
  int64_t limit = 0, offset = 0;
  double scale = 1.0 / 255.0;
};
void add_campaign_input_options(CLI::App* cmd, CampaignInputArgs& args);
// The campaign data: --data, or for the embedded model the Fashion-MNIST test images by default
// (`seed`: random:N).
Result<faults::Dataset> load_campaign_data(const rt::Session& session, const CampaignInputArgs& in,
                                           uint64_t seed);
// Inputs whose golden runs give each layer's output range (error models).
constexpr int64_t kRangeProfileInputs = 256;

// Plans `spec` on `data`. One golden run in this process (single-threaded: no OpenMP pool before
// campaign workers fork) gives the shapes the model leaves free. With `ranges`, each layer's
// output range is profiled over the first kRangeProfileInputs inputs.
Result<faults::Campaign> plan_campaign(const rt::Session& session, const faults::CampaignSpec& spec,
                                       const faults::Dataset& data, bool ranges);
// How journals and summaries name the model.
std::string campaign_model_id(const std::string& model);

}  // namespace sf::cli
