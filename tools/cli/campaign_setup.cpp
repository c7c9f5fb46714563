#include "tools/cli/campaign_setup.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>

#include "faults/error_sim.hpp"
#include "io/onnx/loader.hpp"
#include "runtime/machine.hpp"

extern const unsigned char sf_embedded_model[];
extern const std::size_t sf_embedded_model_size;

namespace sf::cli {

namespace {

// The machine probe runs OpenMP threads; campaign workers are forked, and libgomp's pool does
// not survive fork. So an ABFT "auto" campaign without a given balance probes in a child.
Status probe_in_child() {
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) return runtime_error("fork failed");
  if (pid == 0) ::_exit(rt::load_or_probe() ? 0 : 1);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return runtime_error("the machine probe (for --abft auto) failed; pass --abft-balance");
  return Status::ok();
}

}  // namespace

Result<std::unique_ptr<rt::Session>> load_campaign_session(const std::string& model, faults::Site site,
                                                           const std::string& abft, double abft_balance) {
  rt::SessionOptions so;
  so.threads = 1;
  so.keep_constants = site == faults::Site::kWeight;
  auto mode = abft::parse_mode(abft);
  if (!mode) return invalid_argument("unknown --abft '" + abft + "' (auto, global, tile, dmr, off)");
  so.exec.abft = *mode;
  so.exec.abft_balance = abft_balance;
  if (*mode == abft::Mode::kAuto && abft_balance <= 0) {
    SF_TRY(probe_in_child());
    SF_ASSIGN_OR_RETURN(rt::MachineLoad m, rt::load_or_probe());
    const double bw = m.info.bandwidth_gbs_for(1);
    so.exec.abft_balance = bw > 0 ? m.info.peak_gflops_for(1) / bw : 0;
  }
  if (model == kEmbeddedModel) {
    SF_ASSIGN_OR_RETURN(onnx_io::LoadedModel m,
                        onnx_io::load_model_bytes(sf_embedded_model, sf_embedded_model_size, ""));
    return rt::Session::from_graph(std::move(m.graph), so);
  }
  return rt::Session::load(model, so);
}

void add_campaign_input_options(CLI::App* cmd, CampaignInputArgs& args) {
  cmd->add_option("model", args.model, "ONNX model file, or 'embedded' (the default: the embedded Fashion-MNIST CNN)");
  cmd->add_option("--data", args.data,
                  "Inputs: FILE.npy ([N, ...] float32/uint8), IDX images (*idx3-ubyte[.gz]) or random:N "
                  "(default for the embedded model: the Fashion-MNIST test images)");
  cmd->add_option("--limit", args.limit, "Use only the first N inputs (0: all)")->default_val(0);
  cmd->add_option("--offset", args.offset, "Skip the first N inputs (before --limit)")->default_val(0);
  cmd->add_option("--scale", args.scale, "Multiplier for uint8 data")->default_val(1.0 / 255.0);
}

Result<faults::Dataset> load_campaign_data(const rt::Session& session, const CampaignInputArgs& in,
                                           uint64_t seed) {
  faults::DatasetOptions opts;
  opts.scale = in.scale;
  opts.limit = in.limit;
  opts.offset = in.offset;
  opts.seed = seed;
  std::string source = in.data;
  if (source.empty()) {
    if (in.model != kEmbeddedModel)
      return invalid_argument("--data is required for a model file (FILE.npy, IDX images or random:N)");
    source = kFashionTest;
    if (::access(source.c_str(), R_OK) != 0)
      return invalid_argument(std::string("the embedded model's default data ") + kFashionTest +
                              " is missing (Debian package dataset-fashion-mnist); pass --data");
  }
  return faults::load_dataset(session, source, opts);
}

Result<faults::Campaign> plan_campaign(const rt::Session& session, const faults::CampaignSpec& spec,
                                       const faults::Dataset& data, bool ranges) {
  auto sample = session.capture(data.items[0]);
  if (!sample) return sample.status().with_context("golden run of input 0");
  SF_ASSIGN_OR_RETURN(faults::Campaign c,
                      faults::Campaign::plan(session, spec, static_cast<int64_t>(data.items.size()), *sample));
  if (ranges) {
    SF_ASSIGN_OR_RETURN(auto r, faults::profile_ranges(session, c, data, kRangeProfileInputs));
    SF_TRY(c.set_ranges(r));
  }
  return c;
}

std::string campaign_model_id(const std::string& model) {
  return model == kEmbeddedModel ? "embedded:fashion_cnn" : model;
}

}  // namespace sf::cli
