#include "runtime/http/json.hpp"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/util/json_util.h>

#include <charconv>
#include <cmath>
#include <cstdio>

namespace mensa::runtime::http {

namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

void append_base64(const std::string& in, std::string& out) {
  static constexpr char alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  out += '"';
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    auto n = (static_cast<uint8_t>(in[i]) << 16) |
             (static_cast<uint8_t>(in[i + 1]) << 8) | static_cast<uint8_t>(in[i + 2]);
    out += alphabet[(n >> 18) & 63];
    out += alphabet[(n >> 12) & 63];
    out += alphabet[(n >> 6) & 63];
    out += alphabet[n & 63];
  }
  if (i + 1 == in.size()) {
    auto n = static_cast<uint8_t>(in[i]) << 16;
    out += alphabet[(n >> 18) & 63];
    out += alphabet[(n >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    auto n =
        (static_cast<uint8_t>(in[i]) << 16) | (static_cast<uint8_t>(in[i + 1]) << 8);
    out += alphabet[(n >> 18) & 63];
    out += alphabet[(n >> 12) & 63];
    out += alphabet[(n >> 6) & 63];
    out += '=';
  }
  out += '"';
}

void append_double(double x, std::string& out) {
  if (!std::isfinite(x)) {
    // JSON has no infinities; Mesos clients read these as strings too.
    out += std::isnan(x) ? "\"NaN\"" : (x > 0 ? "\"Infinity\"" : "\"-Infinity\"");
    return;
  }
  // The shortest form that reads back as the same double.
  char buf[32];
  auto end = std::to_chars(buf, buf + sizeof buf, x).ptr;
  out.append(buf, end);
}

void append_value(const Message& m, const Reflection& r, const FieldDescriptor& f,
                  int index, std::string& out) {
  bool repeated = f.is_repeated();
  switch (f.cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      out += std::to_string(repeated ? r.GetRepeatedInt32(m, &f, index)
                                     : r.GetInt32(m, &f));
      break;
    case FieldDescriptor::CPPTYPE_INT64:
      out += std::to_string(repeated ? r.GetRepeatedInt64(m, &f, index)
                                     : r.GetInt64(m, &f));
      break;
    case FieldDescriptor::CPPTYPE_UINT32:
      out += std::to_string(repeated ? r.GetRepeatedUInt32(m, &f, index)
                                     : r.GetUInt32(m, &f));
      break;
    case FieldDescriptor::CPPTYPE_UINT64:
      out += std::to_string(repeated ? r.GetRepeatedUInt64(m, &f, index)
                                     : r.GetUInt64(m, &f));
      break;
    case FieldDescriptor::CPPTYPE_DOUBLE:
      append_double(repeated ? r.GetRepeatedDouble(m, &f, index) : r.GetDouble(m, &f),
                    out);
      break;
    case FieldDescriptor::CPPTYPE_FLOAT:
      append_double(repeated ? r.GetRepeatedFloat(m, &f, index) : r.GetFloat(m, &f),
                    out);
      break;
    case FieldDescriptor::CPPTYPE_BOOL:
      out += (repeated ? r.GetRepeatedBool(m, &f, index) : r.GetBool(m, &f)) ? "true"
                                                                             : "false";
      break;
    case FieldDescriptor::CPPTYPE_ENUM: {
      auto* value = repeated ? r.GetRepeatedEnum(m, &f, index) : r.GetEnum(m, &f);
      append_json_string(value->name(), out);
      break;
    }
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string scratch;
      const auto& s = repeated ? r.GetRepeatedStringReference(m, &f, index, &scratch)
                               : r.GetStringReference(m, &f, &scratch);
      if (f.type() == FieldDescriptor::TYPE_BYTES)
        append_base64(s, out);
      else
        append_json_string(s, out);
      break;
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      append_json(repeated ? r.GetRepeatedMessage(m, &f, index) : r.GetMessage(m, &f),
                  out);
      break;
  }
}

}  // namespace

void append_json_string(std::string_view s, std::string& out) {
  out += '"';
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

void append_json(const Message& message, std::string& out) {
  const auto* descriptor = message.GetDescriptor();
  const auto* reflection = message.GetReflection();
  out += '{';
  bool first = true;
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const auto* field = descriptor->field(i);
    if (field->is_repeated()) {
      if (reflection->FieldSize(message, field) == 0)
        continue;
    } else if (!reflection->HasField(message, field) && !field->has_default_value()) {
      continue;
    }
    if (!first)
      out += ',';
    first = false;
    append_json_string(field->name(), out);
    out += ':';
    if (field->is_map()) {
      // A map is an object keyed by its keys, as protobuf and Mesos print
      // maps (QuotaConfig's guarantees: {"cpus": {"value": 1}}).
      out += '{';
      auto n = reflection->FieldSize(message, field);
      for (int k = 0; k < n; ++k) {
        const auto& entry = reflection->GetRepeatedMessage(message, field, k);
        const auto* entry_reflection = entry.GetReflection();
        const auto* key = entry.GetDescriptor()->map_key();
        const auto* value = entry.GetDescriptor()->map_value();
        if (k > 0)
          out += ',';
        std::string key_text;
        append_value(entry, *entry_reflection, *key, -1, key_text);
        if (key_text.empty() || key_text.front() != '"')
          append_json_string(key_text, out);
        else
          out += key_text;
        out += ':';
        append_value(entry, *entry_reflection, *value, -1, out);
      }
      out += '}';
    } else if (field->is_repeated()) {
      out += '[';
      auto n = reflection->FieldSize(message, field);
      for (int k = 0; k < n; ++k) {
        if (k > 0)
          out += ',';
        append_value(message, *reflection, *field, k, out);
      }
      out += ']';
    } else {
      append_value(message, *reflection, *field, -1, out);
    }
  }
  out += '}';
}

std::string to_json(const Message& message) {
  std::string out;
  append_json(message, out);
  return out;
}

expected<void> parse_json(std::string_view json, Message& message) {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), &message, options);
  if (!status.ok())
    return failure{"the body is not valid JSON for " + message.GetTypeName() + ": " +
                   std::string(status.message())};
  if (!message.IsInitialized())
    return failure{"the body lacks required fields of " + message.GetTypeName() + ": " +
                   message.InitializationErrorString()};
  return {};
}

expected<void> parse_protobuf(std::string_view bytes, Message& message) {
  if (!message.ParsePartialFromArray(bytes.data(), static_cast<int>(bytes.size())))
    return failure{"the body is not a protobuf " + message.GetTypeName()};
  if (!message.IsInitialized())
    return failure{"the body lacks required fields of " + message.GetTypeName() + ": " +
                   message.InitializationErrorString()};
  return {};
}

}  // namespace mensa::runtime::http
