// The master's agent table: records by ID, connected agents by process.

#include "actors/master/agent_table.hpp"

#include <doctest/doctest.h>

using namespace mensa;
using master::agent_record;
using master::agent_state;
using master::agent_table;

namespace {

runtime::address at(const std::string& text) {
  auto parsed = runtime::address::parse(text);
  REQUIRE(parsed);
  return *parsed;
}

}  // namespace

TEST_CASE("a connected agent is found by its ID, by its state and by its process") {
  agent_table agents;
  auto& s1 = agents.record("S1");
  agents.connect(s1, at("agent@10.0.0.1:5051"));
  CHECK(agents.find("S1") == &s1);
  CHECK(agents.find("S1", agent_state::registered) == &s1);
  CHECK(agents.find("S1", agent_state::unreachable) == nullptr);
  CHECK(agents.find("S2") == nullptr);
  CHECK(agents.connected_at(at("agent@10.0.0.1:5051")) == &s1);
  CHECK(agents.connected_at(at("agent@10.0.0.2:5051")) == nullptr);
  CHECK(s1.process == at("agent@10.0.0.1:5051"));
}

TEST_CASE(
    "a disconnected agent keeps its record but no longer speaks from its process") {
  agent_table agents;
  auto& s1 = agents.record("S1");
  agents.connect(s1, at("agent@10.0.0.1:5051"));
  CHECK(agents.disconnect(at("agent@10.0.0.1:5051")) == &s1);
  CHECK(agents.disconnect(at("agent@10.0.0.1:5051")) == nullptr);  // once
  CHECK(agents.connected_at(at("agent@10.0.0.1:5051")) == nullptr);
  CHECK(agents.find("S1") == &s1);
}

TEST_CASE(
    "an agent that connects from a new process is no longer found at the old one") {
  agent_table agents;
  auto& s1 = agents.record("S1");
  agents.connect(s1, at("agent@10.0.0.1:5051"));
  agents.connect(s1, at("agent@10.0.0.1:5052"));
  CHECK(agents.connected_at(at("agent@10.0.0.1:5051")) == nullptr);
  CHECK(agents.connected_at(at("agent@10.0.0.1:5052")) == &s1);
}

TEST_CASE("an erased agent is gone by its ID and by its process") {
  agent_table agents;
  agents.connect(agents.record("S1"), at("agent@10.0.0.1:5051"));
  CHECK(agents.erase("S1"));
  CHECK_FALSE(agents.erase("S1"));
  CHECK(agents.find("S1") == nullptr);
  CHECK(agents.connected_at(at("agent@10.0.0.1:5051")) == nullptr);
  CHECK(agents.all().empty());
}

TEST_CASE("records stay put while other agents come and go") {
  agent_table agents;
  auto& s1 = agents.record("S1");
  s1.missed_pongs = 3;
  for (int i = 2; i < 200; ++i)
    agents.record("S" + std::to_string(i));
  for (int i = 2; i < 200; i += 2)
    agents.erase("S" + std::to_string(i));
  CHECK(agents.find("S1") == &s1);
  CHECK(agents.find("S1")->missed_pongs == 3);
  CHECK(&agents.record("S1") == &s1);  // an existing record is returned, not replaced
  CHECK(agents.all().size() == 100);
}
