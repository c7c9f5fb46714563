#include "core/status.hpp"

#include <cstdio>

namespace sf {

const char* status_code_name(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return "ok";
    case StatusCode::kInvalidModel: return "invalid model";
    case StatusCode::kInvalidArgument: return "invalid argument";
    case StatusCode::kUnsupported: return "unsupported";
    case StatusCode::kResourceLimit: return "resource limit";
    case StatusCode::kIoError: return "i/o error";
    case StatusCode::kRuntimeError: return "runtime error";
    case StatusCode::kDetectedUnrecoverable: return "detected unrecoverable error";
    case StatusCode::kInternal: return "internal error";
  }
  return "unknown";
}

std::string Status::to_string() const {
  if (is_ok()) return "ok";
  return std::string(status_code_name(code_)) + ": " + message_;
}

Status invalid_model(std::string m) { return {StatusCode::kInvalidModel, std::move(m)}; }
Status invalid_argument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
Status unsupported(std::string m) { return {StatusCode::kUnsupported, std::move(m)}; }
Status resource_limit(std::string m) { return {StatusCode::kResourceLimit, std::move(m)}; }
Status io_error(std::string m) { return {StatusCode::kIoError, std::move(m)}; }
Status runtime_error(std::string m) { return {StatusCode::kRuntimeError, std::move(m)}; }
Status internal_error(std::string m) { return {StatusCode::kInternal, std::move(m)}; }
Status detected_unrecoverable(std::string m) {
  return {StatusCode::kDetectedUnrecoverable, std::move(m)};
}

void assert_fail(const char* expr, const char* file, int line) {
  std::fprintf(stderr, "steadfast: internal invariant failed: %s (%s:%d)\n", expr, file, line);
  std::abort();
}

}  // namespace sf
