// The steadfast CLI's subcommands. Each returns the process exit code:
// 0 success, 1 internal error or failed check, 2 bad input (model, arguments, input tensors).
#pragma once

#include <string>

#include "core/status.hpp"

namespace CLI {
class App;
}

namespace sf::cli {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitBadInput = 2;
// ABFT detected an error that recomputation could not clear (no result was returned).
constexpr int kExitDetectedUnrecoverable = 3;

// Prints "steadfast: error: <message>" and maps the status to an exit code.
int report(const Status& s);

void add_run_command(CLI::App& app, int& exit_code);
void add_inspect_command(CLI::App& app, int& exit_code);
void add_conformance_command(CLI::App& app, int& exit_code);
void add_machine_command(CLI::App& app, int& exit_code);
void add_profile_command(CLI::App& app, int& exit_code);
void add_bench_command(CLI::App& app, int& exit_code);
void add_abft_report_command(CLI::App& app, int& exit_code);
void add_abft_campaign_command(CLI::App& app, int& exit_code);
void add_inject_command(CLI::App& app, int& exit_code);
void add_mine_command(CLI::App& app, int& exit_code);
// The main job with no arguments: classify the embedded images with the embedded model.
int run_embedded_default();

}  // namespace sf::cli
