// steadfast conformance DIR: runs ONNX backend node tests (DIR/<test>/model.onnx with
// test_data_set_*/{input,output}_*.pb) and reports each as pass, fail (worst errors) or
// unsupported (op and opset). Each test runs in a forked child so that no test can take the
// suite down; a crash or timeout is reported as such.
#include <CLI/CLI.hpp>
#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <onnx/onnx_pb.h>
#include <set>

#include "io/onnx/tensor_proto.hpp"
#include "runtime/session.hpp"
#include "tools/cli/commands.hpp"

namespace sf::cli {

namespace {

struct Outcome {
  std::string name;
  std::string result;  // pass, fail, unsupported, error, crash, timeout
  std::string detail;
  double max_abs = 0, max_rel = 0;
  bool basic_types = false;  // all graph I/O float32/int32/int64/bool tensors
};

std::vector<std::string> list_dir(const std::string& dir, bool dirs_only) {
  std::vector<std::string> out;
  DIR* d = opendir(dir.c_str());
  if (!d) return out;
  while (dirent* e = readdir(d)) {
    std::string n = e->d_name;
    if (n == "." || n == "..") continue;
    struct stat st {};
    if (stat((dir + "/" + n).c_str(), &st) != 0) continue;
    if (dirs_only != S_ISDIR(st.st_mode)) continue;
    out.push_back(n);
  }
  closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

bool file_exists(const std::string& p) {
  struct stat st {};
  return stat(p.c_str(), &st) == 0;
}

// Reads the model's declared graph I/O types to classify the test.
bool has_basic_types(const std::string& model_path) {
  std::ifstream f(model_path, std::ios::binary);
  onnx::ModelProto m;
  if (!f || !m.ParseFromIstream(&f)) return false;
  auto ok = [](const onnx::ValueInfoProto& v) {
    if (!v.type().has_tensor_type()) return false;
    const int t = v.type().tensor_type().elem_type();
    return t == onnx::TensorProto::FLOAT || t == onnx::TensorProto::INT32 ||
           t == onnx::TensorProto::INT64 || t == onnx::TensorProto::BOOL;
  };
  for (const auto& v : m.graph().input())
    if (!ok(v)) return false;
  for (const auto& v : m.graph().output())
    if (!ok(v)) return false;
  return true;
}

// |a - e| <= atol + rtol * |e|; NaN matches NaN; infinities must match exactly.
void compare(const Tensor& got, const Tensor& want, double rtol, double atol, Outcome& o) {
  if (got.dtype() != want.dtype()) {
    o.result = "fail";
    o.detail += std::string("dtype ") + dtype_name(got.dtype()) + " != expected " + dtype_name(want.dtype()) + "; ";
    return;
  }
  if (got.shape() != want.shape()) {
    o.result = "fail";
    o.detail += "shape " + shape_str(got.shape()) + " != expected " + shape_str(want.shape()) + "; ";
    return;
  }
  const bool exact = !dtype_is_float(want.dtype());
  int64_t bad = 0;
  for (int64_t i = 0; i < want.numel(); ++i) {
    const double a = got.double_at(i), e = want.double_at(i);
    if (std::isnan(e) && std::isnan(a)) continue;
    if (std::isinf(e) || std::isinf(a)) {
      if (a != e) ++bad, o.max_abs = INFINITY;
      continue;
    }
    const double err = std::fabs(a - e);
    if (std::isnan(err)) {
      ++bad;
      o.max_abs = NAN;
      continue;
    }
    o.max_abs = std::max(o.max_abs, err);
    if (e != 0) o.max_rel = std::max(o.max_rel, err / std::fabs(e));
    if (exact ? err != 0 : err > atol + rtol * std::fabs(e)) ++bad;
  }
  if (bad) {
    o.result = "fail";
    char errs[96];
    std::snprintf(errs, sizeof errs, " (worst abs err %.3g, worst rel err %.3g); ", o.max_abs, o.max_rel);
    o.detail += std::to_string(bad) + " of " + std::to_string(want.numel()) + " elements differ" + errs;
  }
}

Outcome run_one(const std::string& dir, const std::string& name, double rtol, double atol) {
  Outcome o;
  o.name = name;
  const std::string test = dir + "/" + name;
  o.basic_types = has_basic_types(test + "/model.onnx");
  rt::SessionOptions so;
  auto s = rt::Session::load(test + "/model.onnx", so);
  if (!s) {
    o.result = s.status().code() == StatusCode::kUnsupported ? "unsupported" : "error";
    o.detail = s.status().message();
    return o;
  }
  o.result = "pass";
  onnx_io::LoadOptions lo;
  for (const std::string& set : list_dir(test, true)) {
    if (set.rfind("test_data_set_", 0) != 0) continue;
    const std::string sd = test + "/" + set;
    rt::NamedTensors feeds;
    const auto ins = (*s)->inputs();
    for (size_t i = 0; file_exists(sd + "/input_" + std::to_string(i) + ".pb"); ++i) {
      auto t = onnx_io::read_tensor_pb(sd + "/input_" + std::to_string(i) + ".pb", lo);
      if (!t) {
        o.result = t.status().code() == StatusCode::kUnsupported ? "unsupported" : "error";
        o.detail = t.status().message();
        return o;
      }
      if (i >= ins.size()) {
        o.result = "error";
        o.detail = "more input files than model inputs";
        return o;
      }
      Tensor in = std::move(t).value();
      // ONNX 1.12's generator stores bfloat16 test data as uint16 bit patterns.
      if (in.dtype() == DType::kU16 && ins[i].type.dtype == DType::kBF16)
        in = Tensor::view(DType::kBF16, in.shape(), in.raw()).clone();
      feeds.emplace_back(ins[i].name, std::move(in));
    }
    auto out = (*s)->run(feeds);
    if (!out) {
      o.result = out.status().code() == StatusCode::kUnsupported ? "unsupported" : "error";
      o.detail = out.status().message();
      return o;
    }
    for (size_t i = 0; file_exists(sd + "/output_" + std::to_string(i) + ".pb"); ++i) {
      auto want = onnx_io::read_tensor_pb(sd + "/output_" + std::to_string(i) + ".pb", lo);
      if (!want) {
        o.result = "unsupported";
        o.detail = "expected output: " + want.status().message();
        return o;
      }
      if (i >= out->size()) {
        o.result = "fail";
        o.detail = "fewer outputs than expected";
        return o;
      }
      Tensor got = (*out)[i].second;
      if (got.dtype() == DType::kBF16 && want->dtype() == DType::kU16)  // bit patterns, as above
        got = Tensor::view(DType::kU16, got.shape(), got.raw()).clone();
      compare(got, *want, rtol, atol, o);
    }
  }
  return o;
}

// Runs one test in a child process; the child sends its Outcome back as JSON through a pipe.
Outcome run_isolated(const std::string& dir, const std::string& name, double rtol, double atol,
                     int timeout_s) {
  int fds[2];
  if (pipe(fds) != 0) return run_one(dir, name, rtol, atol);
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    alarm(static_cast<unsigned>(timeout_s));
    const Outcome o = run_one(dir, name, rtol, atol);
    nlohmann::json j = {{"result", o.result}, {"detail", o.detail}, {"max_abs", o.max_abs},
                        {"max_rel", o.max_rel}, {"basic", o.basic_types}};
    const std::string s = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    size_t done = 0;
    while (done < s.size()) {
      const ssize_t n = write(fds[1], s.data() + done, s.size() - done);
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
    close(fds[1]);
    _exit(0);
  }
  close(fds[1]);
  std::string buf;
  char chunk[4096];
  ssize_t n;
  while ((n = read(fds[0], chunk, sizeof chunk)) > 0) buf.append(chunk, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  Outcome o;
  o.name = name;
  if (WIFSIGNALED(status)) {
    o.result = WTERMSIG(status) == SIGALRM ? "timeout" : "crash";
    o.detail = std::string("signal ") + std::to_string(WTERMSIG(status));
    o.basic_types = has_basic_types(dir + "/" + name + "/model.onnx");
    return o;
  }
  auto j = nlohmann::json::parse(buf, nullptr, false);
  if (j.is_discarded()) {
    o.result = "crash";
    o.detail = "child exited without a result";
    return o;
  }
  o.result = j["result"];
  o.detail = j["detail"];
  o.max_abs = j["max_abs"].is_number() ? j["max_abs"].get<double>() : NAN;
  o.max_rel = j["max_rel"].is_number() ? j["max_rel"].get<double>() : NAN;
  o.basic_types = j["basic"];
  return o;
}

struct ConformanceArgs {
  std::string dir;
  std::string json;
  std::string expect;
  std::string filter;
  double rtol = 1e-3, atol = 1e-5;
  int timeout = 60;
  bool verbose = false;
};

int conformance(const ConformanceArgs& a) {
  if (!file_exists(a.dir)) return report(io_error("conformance folder '" + a.dir + "' not found"));
  std::vector<Outcome> outs;
  for (const std::string& name : list_dir(a.dir, true)) {
    if (!a.filter.empty() && name.find(a.filter) == std::string::npos) continue;
    if (!file_exists(a.dir + "/" + name + "/model.onnx")) continue;
    Outcome o = run_isolated(a.dir, name, a.rtol, a.atol, a.timeout);
    if (a.verbose || (o.result != "pass" && o.result != "unsupported"))
      std::printf("%-60s %s %s\n", name.c_str(), o.result.c_str(), o.detail.c_str());
    outs.push_back(std::move(o));
  }
  std::map<std::string, int> count, basic_count;
  int basic_total = 0;
  for (const Outcome& o : outs) {
    ++count[o.result];
    if (o.basic_types) {
      ++basic_total;
      ++basic_count[o.result];
    }
  }
  std::printf("conformance: %zu tests: %d pass, %d fail, %d error, %d unsupported, %d crash, %d timeout\n",
              outs.size(), count["pass"], count["fail"], count["error"], count["unsupported"],
              count["crash"], count["timeout"]);
  std::printf("conformance: float32/int32/int64/bool tests: %d of %d pass (%.1f%%)\n", basic_count["pass"],
              basic_total, basic_total ? 100.0 * basic_count["pass"] / basic_total : 0.0);
  if (!a.json.empty()) {
    nlohmann::json j;
    j["dir"] = a.dir;
    j["rtol"] = a.rtol;
    j["atol"] = a.atol;
    j["counts"] = count;
    j["basic_types"] = {{"total", basic_total}, {"counts", basic_count}};
    for (const Outcome& o : outs)
      j["tests"].push_back({{"name", o.name}, {"result", o.result}, {"detail", o.detail},
                            {"max_abs_err", o.max_abs}, {"max_rel_err", o.max_rel},
                            {"basic_types", o.basic_types}});
    std::ofstream f(a.json);
    f << j.dump(1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    if (!f) return report(io_error("cannot write '" + a.json + "'"));
  }
  int rc = count["crash"] + count["timeout"] ? kExitFailure : kExitOk;
  if (!a.expect.empty()) {
    std::ifstream f(a.expect);
    if (!f) return report(io_error("cannot read expected-pass list '" + a.expect + "'"));
    std::map<std::string, std::string> got;
    for (const Outcome& o : outs) got[o.name] = o.result;
    std::string line;
    int missing = 0, listed = 0;
    while (std::getline(f, line)) {
      if (line.empty() || line[0] == '#') continue;
      if (!a.filter.empty() && line.find(a.filter) == std::string::npos) continue;
      ++listed;
      auto it = got.find(line);
      if (it == got.end() || it->second != "pass") {
        std::printf("REGRESSION: %s was expected to pass, got %s\n", line.c_str(),
                    it == got.end() ? "no result" : it->second.c_str());
        ++missing;
      }
    }
    std::printf("conformance: %d of %d listed tests still pass\n", listed - missing, listed);
    if (missing) rc = kExitFailure;
  }
  return rc;
}

}  // namespace

void add_conformance_command(CLI::App& app, int& exit_code) {
  auto a = std::make_shared<ConformanceArgs>();
  CLI::App* cmd = app.add_subcommand("conformance", "Run ONNX backend node tests from a folder");
  cmd->add_option("dir", a->dir, "Folder of tests, e.g. /usr/share/libonnx-testdata/data/node")->required();
  cmd->add_option("--json", a->json, "Write every test's result to this JSON file");
  cmd->add_option("--expect", a->expect, "File listing tests that must pass; exit 1 if one does not");
  cmd->add_option("--filter", a->filter, "Run only tests whose name contains this text");
  cmd->add_option("--rtol", a->rtol, "Relative tolerance")->default_val(1e-3);
  cmd->add_option("--atol", a->atol, "Absolute tolerance")->default_val(1e-5);
  cmd->add_option("--timeout", a->timeout, "Seconds allowed per test")->default_val(60);
  cmd->add_flag("--verbose,-v", a->verbose, "Print every test, not only failures");
  cmd->callback([a, &exit_code] { exit_code = conformance(*a); });
}

}  // namespace sf::cli
