// steadfast: dependable, efficient neural-network inference. One subcommand per capability.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "tools/cli/commands.hpp"

namespace sf::cli {

int report(const Status& s) {
  if (s.is_ok()) return kExitOk;
  std::fprintf(stderr, "steadfast: error: %s\n", s.to_string().c_str());
  if (s.code() == StatusCode::kDetectedUnrecoverable) return kExitDetectedUnrecoverable;
  return s.is_user_error() ? kExitBadInput : kExitFailure;
}

}  // namespace sf::cli

int main(int argc, char** argv) {
  CLI::App app{"steadfast: dependable, efficient neural-network inference"};
  app.require_subcommand(0, 1);
  int exit_code = sf::cli::kExitOk;
  sf::cli::add_run_command(app, exit_code);
  sf::cli::add_inspect_command(app, exit_code);
  sf::cli::add_conformance_command(app, exit_code);
  sf::cli::add_machine_command(app, exit_code);
  sf::cli::add_profile_command(app, exit_code);
  sf::cli::add_bench_command(app, exit_code);
  sf::cli::add_abft_report_command(app, exit_code);
  sf::cli::add_abft_campaign_command(app, exit_code);
  sf::cli::add_inject_command(app, exit_code);
  sf::cli::add_mine_command(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : sf::cli::kExitBadInput;
  }
  if (app.get_subcommands().empty()) {
    // No subcommand: the main job, `run` on the embedded default model.
    return sf::cli::run_embedded_default();
  }
  return exit_code;
}
