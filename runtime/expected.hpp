#pragma once

#include <string>
#include <utility>
#include <variant>

namespace mensa::runtime {

/// Why an operation failed, in words a user can act on.
struct failure {
  /// One line, no trailing period: "cannot connect to 10.0.0.1:5050".
  std::string message;
};

/// Either a `T` or the failure that prevented it. Errors are values in mensa:
/// callers must look before they use the value.
template <class T>
class [[nodiscard]] expected {
 public:
  /// Holds a value.
  expected(T value) : content_(std::move(value)) {}

  /// Holds a failure.
  expected(failure why) : content_(std::move(why)) {}

  /// Returns whether a value is present.
  bool has_value() const noexcept { return content_.index() == 0; }

  /// Returns whether a value is present.
  explicit operator bool() const noexcept { return has_value(); }

  /// Returns the value; the caller must have checked `has_value()`.
  T& operator*() & { return std::get<0>(content_); }

  /// Returns the value; the caller must have checked `has_value()`.
  const T& operator*() const& { return std::get<0>(content_); }

  /// Moves the value out; the caller must have checked `has_value()`.
  T&& operator*() && { return std::get<0>(std::move(content_)); }

  /// Accesses the value; the caller must have checked `has_value()`.
  T* operator->() { return &std::get<0>(content_); }

  /// Accesses the value; the caller must have checked `has_value()`.
  const T* operator->() const { return &std::get<0>(content_); }

  /// Returns the failure; the caller must have checked `!has_value()`.
  const failure& error() const { return std::get<1>(content_); }

 private:
  std::variant<T, failure> content_;
};

/// Success without a value, or a failure.
template <>
class [[nodiscard]] expected<void> {
 public:
  /// Success.
  expected() = default;

  /// Holds a failure.
  expected(failure why) : failed_(true), why_(std::move(why)) {}

  /// Returns whether the operation succeeded.
  bool has_value() const noexcept { return !failed_; }

  /// Returns whether the operation succeeded.
  explicit operator bool() const noexcept { return has_value(); }

  /// Returns the failure; the caller must have checked `!has_value()`.
  const failure& error() const { return why_; }

 private:
  bool failed_ = false;
  failure why_;
};

}  // namespace mensa::runtime
