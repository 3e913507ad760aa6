#include "runtime/testing/delivery_rules.hpp"

namespace mensa::runtime::testing {

bool message_pattern::matches(std::string_view type_name, const address& sender,
                              const address& receiver) const {
  return (type.empty() || type == type_name) && (!from || *from == sender) &&
         (!to || *to == receiver);
}

filter_verdict delivery_rules::on_delivery(const envelope& e, const address& to,
                                           const caf::actor& target) {
  auto type = e.type_name();
  trace_.push_back(delivery{std::string(type), e.from(), to});
  for (auto& rule : rules_) {
    if (!rule->active || !rule->pattern.matches(type, e.from(), to))
      continue;
    if (rule->hits++ == 0) {
      rule->first = e;
      rule->first_to = to;
      rule->first_target = target;
    }
    if (!rule->repeat)
      rule->active = false;
    if (rule->verdict.what != filter_verdict::action::pass)
      return rule->verdict;
  }
  return {};
}

std::shared_ptr<rule_state> delivery_rules::add(message_pattern pattern,
                                                filter_verdict verdict, bool repeat) {
  auto rule = std::make_shared<rule_state>();
  rule->pattern = std::move(pattern);
  rule->verdict = verdict;
  rule->repeat = repeat;
  rules_.push_back(rule);
  return rule;
}

}  // namespace mensa::runtime::testing
