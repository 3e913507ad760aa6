#include "actors/common/resources.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <set>

#include "actors/common/roles.hpp"

namespace mensa::common {

namespace {

using range = std::pair<uint64_t, uint64_t>;

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
    s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
    s.remove_suffix(1);
  return s;
}

bool same_kind(const v1::Resource& x, const v1::Resource& y) {
  return x.name() == y.name() && x.type() == y.type() &&
         reservation_role(x) == reservation_role(y) &&
         allocation_role(x) == allocation_role(y);
}

std::vector<range> ranges_of(const v1::Resource& r) {
  std::vector<range> result;
  for (auto& x : r.ranges().range())
    result.emplace_back(x.begin(), x.end());
  return result;
}

// Sorts and merges overlapping or adjacent ranges.
std::vector<range> normalize(std::vector<range> xs) {
  std::sort(xs.begin(), xs.end());
  std::vector<range> out;
  for (auto& x : xs) {
    if (!out.empty() && x.first <= out.back().second + 1)
      out.back().second = std::max(out.back().second, x.second);
    else
      out.push_back(x);
  }
  return out;
}

std::vector<range> subtract_ranges(const std::vector<range>& xs,
                                   const std::vector<range>& ys) {
  std::vector<range> out;
  for (auto x : xs) {
    bool keep = true;
    for (auto& y : ys) {
      if (y.second < x.first || y.first > x.second)
        continue;
      if (y.first > x.first)
        out.emplace_back(x.first, y.first - 1);
      if (y.second >= x.second) {
        keep = false;
        break;
      }
      x.first = y.second + 1;
    }
    if (keep)
      out.push_back(x);
  }
  return normalize(out);
}

bool ranges_contain(const std::vector<range>& xs, const std::vector<range>& ys) {
  return std::all_of(ys.begin(), ys.end(), [&](const range& y) {
    return std::any_of(xs.begin(), xs.end(), [&](const range& x) {
      return x.first <= y.first && y.second <= x.second;
    });
  });
}

void set_ranges(v1::Resource& r, const std::vector<range>& xs) {
  auto* out = r.mutable_ranges();
  out->clear_range();
  for (auto& x : xs) {
    auto* added = out->add_range();
    added->set_begin(x.first);
    added->set_end(x.second);
  }
}

std::set<std::string> items_of(const v1::Resource& r) {
  return {r.set().item().begin(), r.set().item().end()};
}

void set_items(v1::Resource& r, const std::set<std::string>& items) {
  auto* out = r.mutable_set();
  out->clear_item();
  for (auto& item : items)
    out->add_item(item);
}

bool is_empty(const v1::Resource& r) {
  switch (r.type()) {
    case v1::Value::SCALAR:
      return round_scalar(r.scalar().value()) <= 0;
    case v1::Value::RANGES:
      return r.ranges().range_size() == 0;
    case v1::Value::SET:
      return r.set().item_size() == 0;
    default:
      return true;
  }
}

runtime::failure bad_resource(std::string_view item, const std::string& why) {
  return runtime::failure{"invalid resource '" + std::string(item) + "': " + why};
}

runtime::expected<uint64_t> parse_number(std::string_view text, std::string_view item) {
  uint64_t value = 0;
  text = trim(text);
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size())
    return bad_resource(item, "'" + std::string(text) + "' is not a whole number");
  return value;
}

// Parses one `name(role):value` item.
runtime::expected<v1::Resource> parse_item(std::string_view item) {
  auto colon = item.find(':');
  if (colon == std::string_view::npos)
    return bad_resource(item, "expected name:value");
  auto head = trim(item.substr(0, colon));
  auto body = trim(item.substr(colon + 1));
  v1::Resource r;
  std::string_view name = head;
  if (auto open = head.find('('); open != std::string_view::npos) {
    if (head.back() != ')')
      return bad_resource(item, "the role must be written name(role)");
    name = trim(head.substr(0, open));
    auto role = trim(head.substr(open + 1, head.size() - open - 2));
    if (auto ok = validate_role(role); !ok)
      return bad_resource(item, ok.error().message);
    if (role != "*") {
      auto* reservation = r.add_reservations();
      reservation->set_type(v1::Resource::ReservationInfo::STATIC);
      reservation->set_role(std::string(role));
    }
  }
  if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' ||
               c == '.';
      }))
    return bad_resource(item, "the name must be letters, digits, '_', '-' or '.'");
  r.set_name(std::string(name));
  if (body.empty())
    return bad_resource(item, "no value");
  if (body.front() == '[') {
    if (body.back() != ']')
      return bad_resource(item, "ranges must be written [begin-end,...]");
    r.set_type(v1::Value::RANGES);
    std::vector<range> xs;
    auto inner = body.substr(1, body.size() - 2);
    while (!trim(inner).empty()) {
      auto comma = inner.find(',');
      auto part = trim(inner.substr(0, comma));
      auto dash = part.find('-');
      if (dash == std::string_view::npos)
        return bad_resource(item, "a range must be written begin-end");
      auto begin = parse_number(part.substr(0, dash), item);
      auto end = parse_number(part.substr(dash + 1), item);
      if (!begin)
        return begin.error();
      if (!end)
        return end.error();
      if (*begin > *end)
        return bad_resource(item, "a range ends before it begins");
      xs.emplace_back(*begin, *end);
      if (comma == std::string_view::npos)
        break;
      inner.remove_prefix(comma + 1);
    }
    set_ranges(r, normalize(xs));
  } else if (body.front() == '{') {
    if (body.back() != '}')
      return bad_resource(item, "sets must be written {a,b,...}");
    r.set_type(v1::Value::SET);
    std::set<std::string> items;
    auto inner = body.substr(1, body.size() - 2);
    while (!trim(inner).empty()) {
      auto comma = inner.find(',');
      auto part = trim(inner.substr(0, comma));
      if (part.empty())
        return bad_resource(item, "a set item is empty");
      items.emplace(part);
      if (comma == std::string_view::npos)
        break;
      inner.remove_prefix(comma + 1);
    }
    set_items(r, items);
  } else {
    double value = 0;
    std::string text(body);
    char* end = nullptr;
    value = std::strtod(text.c_str(), &end);
    if (end != text.c_str() + text.size() || !std::isfinite(value))
      return bad_resource(item, "'" + text + "' is not a number");
    if (value < 0)
      return bad_resource(item, "amounts cannot be negative");
    r.set_type(v1::Value::SCALAR);
    r.mutable_scalar()->set_value(round_scalar(value));
  }
  return r;
}

}  // namespace

std::string format_scalar(double x) {
  char text[64];
  std::snprintf(text, sizeof(text), "%.3f", round_scalar(x));
  std::string s = text;
  while (!s.empty() && s.back() == '0')
    s.pop_back();
  if (!s.empty() && s.back() == '.')
    s.pop_back();
  return s;
}

double round_scalar(double x) {
  return std::round(x * 1000.0) / 1000.0;
}

std::string_view reservation_role(const v1::Resource& r) {
  if (r.reservations_size() > 0)
    return r.reservations(r.reservations_size() - 1).role();
  return {};
}

std::string_view allocation_role(const v1::Resource& r) {
  return r.has_allocation_info() ? std::string_view(r.allocation_info().role())
                                 : std::string_view{};
}

resources::resources(const google::protobuf::RepeatedPtrField<v1::Resource>& list) {
  entries_.reserve(static_cast<std::size_t>(list.size()));
  for (auto& r : list)
    if (validate(r))
      add(r);
}

runtime::expected<resources> resources::parse(std::string_view text) {
  resources result;
  while (!trim(text).empty()) {
    auto semicolon = text.find(';');
    auto item = trim(text.substr(0, semicolon));
    if (!item.empty()) {
      auto parsed = parse_item(item);
      if (!parsed)
        return parsed.error();
      result.add(*parsed);
    }
    if (semicolon == std::string_view::npos)
      break;
    text.remove_prefix(semicolon + 1);
  }
  return result;
}

runtime::expected<void> resources::validate(const v1::Resource& r) {
  if (r.name().empty())
    return runtime::failure{"a resource has no name"};
  switch (r.type()) {
    case v1::Value::SCALAR:
      if (!r.has_scalar() || !std::isfinite(r.scalar().value()) ||
          r.scalar().value() < 0)
        return runtime::failure{"resource '" + r.name() +
                                "' needs a finite, non-negative scalar"};
      break;
    case v1::Value::RANGES:
      for (auto& x : r.ranges().range())
        if (x.begin() > x.end())
          return runtime::failure{"resource '" + r.name() +
                                  "' has a range that ends before it begins"};
      break;
    case v1::Value::SET:
      break;
    default:
      return runtime::failure{"resource '" + r.name() + "' has an unsupported type"};
  }
  for (auto& reservation : r.reservations())
    if (auto ok = validate_role(reservation.role()); !ok)
      return runtime::failure{"resource '" + r.name() + "': " + ok.error().message};
  if (r.has_allocation_info() && !r.allocation_info().role().empty())
    if (auto ok = validate_role(r.allocation_info().role()); !ok)
      return runtime::failure{"resource '" + r.name() + "': " + ok.error().message};
  return {};
}

runtime::expected<void> resources::validate(
    const google::protobuf::RepeatedPtrField<v1::Resource>& list) {
  for (auto& r : list)
    if (auto ok = validate(r); !ok)
      return ok;
  return {};
}

void resources::add(const v1::Resource& r) {
  if (is_empty(r))
    return;
  for (auto& e : entries_) {
    if (!same_kind(e, r))
      continue;
    switch (r.type()) {
      case v1::Value::SCALAR:
        e.mutable_scalar()->set_value(
            round_scalar(e.scalar().value() + r.scalar().value()));
        break;
      case v1::Value::RANGES: {
        auto xs = ranges_of(e);
        auto ys = ranges_of(r);
        xs.insert(xs.end(), ys.begin(), ys.end());
        set_ranges(e, normalize(xs));
        break;
      }
      case v1::Value::SET: {
        auto items = items_of(e);
        auto more = items_of(r);
        items.insert(more.begin(), more.end());
        set_items(e, items);
        break;
      }
      default:
        break;
    }
    return;
  }
  entries_.push_back(r);
  auto& added = entries_.back();
  added.clear_role();
  added.clear_reservation();
  if (added.type() == v1::Value::SCALAR)
    added.mutable_scalar()->set_value(round_scalar(added.scalar().value()));
  else if (added.type() == v1::Value::RANGES)
    set_ranges(added, normalize(ranges_of(added)));
  else if (added.type() == v1::Value::SET)
    set_items(added, items_of(added));
}

void resources::subtract(const v1::Resource& r) {
  for (auto i = entries_.begin(); i != entries_.end(); ++i) {
    if (!same_kind(*i, r))
      continue;
    switch (r.type()) {
      case v1::Value::SCALAR:
        i->mutable_scalar()->set_value(
            round_scalar(i->scalar().value() - r.scalar().value()));
        break;
      case v1::Value::RANGES:
        set_ranges(*i, subtract_ranges(ranges_of(*i), normalize(ranges_of(r))));
        break;
      case v1::Value::SET: {
        auto items = items_of(*i);
        for (auto& item : r.set().item())
          items.erase(item);
        set_items(*i, items);
        break;
      }
      default:
        break;
    }
    if (is_empty(*i))
      entries_.erase(i);
    return;
  }
}

resources& resources::operator+=(const resources& other) {
  for (auto& r : other.entries_)
    add(r);
  return *this;
}

resources& resources::operator-=(const resources& other) {
  for (auto& r : other.entries_)
    subtract(r);
  return *this;
}

bool resources::contains(const resources& other) const {
  for (auto& r : other.entries_) {
    auto i = std::find_if(entries_.begin(), entries_.end(),
                          [&](const v1::Resource& e) { return same_kind(e, r); });
    if (i == entries_.end())
      return false;
    switch (r.type()) {
      case v1::Value::SCALAR:
        if (round_scalar(i->scalar().value() - r.scalar().value()) < 0)
          return false;
        break;
      case v1::Value::RANGES:
        if (!ranges_contain(ranges_of(*i), ranges_of(r)))
          return false;
        break;
      case v1::Value::SET: {
        auto items = items_of(*i);
        for (auto& item : r.set().item())
          if (items.count(item) == 0)
            return false;
        break;
      }
      default:
        return false;
    }
  }
  return true;
}

bool operator==(const resources& x, const resources& y) {
  return x.contains(y) && y.contains(x);
}

double resources::scalar(std::string_view name) const {
  double sum = 0;
  for (auto& r : entries_)
    if (r.name() == name && r.type() == v1::Value::SCALAR)
      sum += r.scalar().value();
  return round_scalar(sum);
}

// Entries already normalized keep their ranges and sets; only entries
// that now differ in nothing but their old allocation roles merge.
void resources::set_allocation_role(const std::string_view* role) {
  // Entries that all had one allocation role stay distinct under another.
  bool alike =
      std::all_of(entries_.begin(), entries_.end(), [&](const v1::Resource& r) {
        return allocation_role(r) == allocation_role(entries_.front());
      });
  for (auto& r : entries_) {
    if (role == nullptr)
      r.clear_allocation_info();
    else if (!r.has_allocation_info() || r.allocation_info().role() != *role)
      r.mutable_allocation_info()->set_role(std::string(*role));
  }
  if (alike)
    return;
  for (std::size_t i = 0; i < entries_.size(); ++i)
    for (std::size_t j = i + 1; j < entries_.size(); ++j)
      if (same_kind(entries_[i], entries_[j])) {
        auto merging = std::move(entries_);
        entries_.clear();
        for (auto& r : merging)
          add(r);
        return;
      }
}

resources resources::allocated_to(std::string_view role) const& {
  return resources(*this).allocated_to(role);
}

resources resources::allocated_to(std::string_view role) && {
  set_allocation_role(&role);
  return std::move(*this);
}

resources resources::unallocated() const& {
  return resources(*this).unallocated();
}

resources resources::unallocated() && {
  set_allocation_role(nullptr);
  return std::move(*this);
}

resources resources::allocated_only_to(std::string_view role) const {
  resources result;
  for (auto& r : entries_)
    if (allocation_role(r) == role)
      result.add(r);
  return result;
}

resources resources::unreserved() const {
  resources result;
  for (auto& r : entries_)
    if (r.reservations_size() == 0)
      result.add(r);
  return result;
}

resources resources::reserved_for(std::string_view role) const {
  resources result;
  for (auto& r : entries_)
    if (r.reservations_size() > 0 && reservation_role(r) == role)
      result.add(r);
  return result;
}

resources resources::usable_by(std::string_view role) const {
  resources result;
  for (auto& r : entries_)
    if (r.reservations_size() == 0 || is_same_or_ancestor(reservation_role(r), role))
      result.add(r);
  return result;
}

void resources::copy_to(google::protobuf::RepeatedPtrField<v1::Resource>* list) const {
  for (auto& r : entries_)
    *list->Add() = r;
}

std::string resources::to_string() const {
  std::string out;
  for (auto& r : entries_) {
    if (!out.empty())
      out += ';';
    out += r.name();
    if (auto role = reservation_role(r); !role.empty())
      out += "(" + std::string(role) + ")";
    out += ':';
    switch (r.type()) {
      case v1::Value::SCALAR:
        out += format_scalar(r.scalar().value());
        break;
      case v1::Value::RANGES: {
        out += '[';
        bool first = true;
        for (auto& x : r.ranges().range()) {
          out += (first ? "" : ",") + std::to_string(x.begin()) + "-" +
                 std::to_string(x.end());
          first = false;
        }
        out += ']';
        break;
      }
      case v1::Value::SET: {
        out += '{';
        bool first = true;
        for (auto& item : r.set().item()) {
          out += (first ? "" : ",") + item;
          first = false;
        }
        out += '}';
        break;
      }
      default:
        break;
    }
  }
  return out;
}

}  // namespace mensa::common
