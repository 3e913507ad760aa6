#include "runtime/http/api_call.hpp"

#include "runtime/http/json.hpp"

namespace mensa::runtime::http {

std::string expecting(bool present, std::string_view field) {
  if (present)
    return {};
  return "Expecting '" + std::string(field) + "' to be present";
}

std::variant<encoding, response> read_call(const request& r,
                                           google::protobuf::Message& call,
                                           std::string_view what,
                                           const call_validator& validate) {
  if (r.method != "POST")
    return response::error(405,
                           "Expecting a 'POST' request, received '" + r.method + "'")
        .with("Allow", "POST");
  auto content_type = r.header("Content-Type");
  if (!content_type)
    return response::error(400, "Expecting 'Content-Type' to be present");
  auto body = body_encoding(*content_type);
  if (!body)
    return response::error(415,
                           "Expecting 'Content-Type' of application/json or "
                           "application/x-protobuf");
  auto parsed =
      *body == encoding::json ? parse_json(r.body, call) : parse_protobuf(r.body, call);
  if (!parsed)
    return response::error(400, "Failed to parse the call: " + parsed.error().message);
  if (auto why = validate(call); !why.empty())
    return response::error(400, "Failed to validate " + std::string(what) + ": " + why);
  auto answer = answer_encoding(r);
  if (!answer)
    return response::error(
        406, "Expecting 'Accept' to allow application/json or application/x-protobuf");
  return *answer;
}

}  // namespace mensa::runtime::http
