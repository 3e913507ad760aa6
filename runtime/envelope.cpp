#include "runtime/envelope.hpp"

#include <atomic>

namespace mensa::runtime {

namespace {

std::atomic<uint64_t> serialized_envelopes{0};

const std::string empty_string;

const address no_address;

}  // namespace

envelope envelope::from_wire(std::string from, std::string type, std::string payload,
                             flow_mark flow) {
  envelope result;
  auto wire = std::make_shared<wire_form>();
  if (auto parsed = address::parse(from))
    wire->from = std::move(*parsed);
  wire->from_text = std::move(from);
  wire->type = std::move(type);
  wire->payload = std::move(payload);
  result.wire_ = std::move(wire);
  result.flow_ = flow;
  return result;
}

const address& envelope::empty_address() noexcept {
  return no_address;
}

const std::string& envelope::wire_sender_text() const noexcept {
  return wire_ ? wire_->from_text : empty_string;
}

const std::string& envelope::sender_text() const noexcept {
  if (wire_)
    return wire_->from_text;
  return from_ ? from_->str() : empty_string;
}

std::string_view envelope::type_name() const noexcept {
  if (wire_)
    return wire_->type;
  if (message_)
    return message_->GetDescriptor()->full_name();
  return {};
}

const std::string& envelope::payload() const noexcept {
  return wire_ ? wire_->payload : empty_string;
}

uint64_t envelope::serialized_count() noexcept {
  return serialized_envelopes.load(std::memory_order_relaxed);
}

void envelope::write_wire(std::string& type, std::string& payload) const {
  if (wire_) {
    type = wire_->type;
    payload = wire_->payload;
    return;
  }
  if (!message_)
    return;
  type = message_->GetDescriptor()->full_name();
  // Partial: a message missing required fields is the receiver's to reject
  // (it will not parse), never a reason to abort the sender.
  message_->SerializePartialToString(&payload);
  serialized_envelopes.fetch_add(1, std::memory_order_relaxed);
}

std::size_t envelope::payload_size() const {
  return wire_ ? wire_->payload.size() : message_ ? message_->ByteSizeLong() : 0;
}

std::size_t envelope::wire_size() const {
  // Sizes of sender, type and payload, two integers and a flag.
  constexpr std::size_t framing = 3 * 5 + 8 + 8 + 1;
  return sender_text().size() + type_name().size() + payload_size() + framing;
}

std::string envelope::describe() const {
  std::string result(type_name());
  result += " from ";
  result += sender_text();
  return result;
}

}  // namespace mensa::runtime
