// Status and Result<T>: how every fallible library call reports failure.
// Library code never throws and never exits; the CLI maps a Status code to an exit code
// (bad input -> 2). Messages say what failed, where, and the offending values.
#pragma once

#include <cstdlib>
#include <string>
#include <utility>
#include <variant>

namespace sf {

enum class StatusCode {
  kOk = 0,
  kInvalidModel,     // the model file or graph is malformed
  kInvalidArgument,  // a user-supplied argument or input tensor is wrong
  kUnsupported,      // well-formed, but not something steadfast implements
  kResourceLimit,    // a configured cap (memory, nesting, size) would be exceeded
  kIoError,          // a file could not be read or written
  kRuntimeError,     // data-dependent failure while running (e.g. index out of range)
  kDetectedUnrecoverable,  // ABFT found an error that recomputation did not clear (a DUE)
  kInternal,         // a bug in steadfast
};

const char* status_code_name(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok() { return {}; }
  bool is_ok() const { return code_ == StatusCode::kOk; }
  explicit operator bool() const { return is_ok(); }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // Adds context in front of the message: "while loading 'x.onnx': <message>".
  Status with_context(const std::string& context) const {
    if (is_ok()) return *this;
    return Status(code_, context + ": " + message_);
  }
  std::string to_string() const;
  // True for errors caused by what the user gave (model, arguments, inputs).
  bool is_user_error() const {
    return code_ != StatusCode::kOk && code_ != StatusCode::kInternal;
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

Status invalid_model(std::string message);
Status invalid_argument(std::string message);
Status unsupported(std::string message);
Status resource_limit(std::string message);
Status io_error(std::string message);
Status runtime_error(std::string message);
Status internal_error(std::string message);
Status detected_unrecoverable(std::string message);

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT
    if (std::get<Status>(v_).is_ok()) v_ = Status(StatusCode::kInternal, "Result built from OK status");
  }
  bool is_ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return is_ok(); }
  const Status& status() const {
    static const Status kOkStatus;
    return is_ok() ? kOkStatus : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

// Internal invariants only (never reachable from a model file); stays on in release builds.
[[noreturn]] void assert_fail(const char* expr, const char* file, int line);

}  // namespace sf

#define SF_CONCAT_INNER(a, b) a##b
#define SF_CONCAT(a, b) SF_CONCAT_INNER(a, b)

// Propagates a failed Status (or Result's status) to the caller.
#define SF_TRY(expr)                                  \
  do {                                                \
    auto&& sf_try_tmp_ = (expr);                      \
    if (!sf_try_tmp_.is_ok()) return ::sf::detail_status(sf_try_tmp_); \
  } while (0)

// Declares `lhs` from a Result, or returns its Status.
#define SF_ASSIGN_OR_RETURN(lhs, expr) SF_ASSIGN_OR_RETURN_IMPL(SF_CONCAT(sf_res_, __LINE__), lhs, expr)
#define SF_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                             \
  if (!tmp.is_ok()) return tmp.status();         \
  lhs = std::move(tmp).value()

#define SF_ASSERT(cond) \
  do {                  \
    if (!(cond)) ::sf::assert_fail(#cond, __FILE__, __LINE__); \
  } while (0)

namespace sf {
inline Status detail_status(const Status& s) { return s; }
template <typename T>
Status detail_status(const Result<T>& r) { return r.status(); }
}  // namespace sf
