// The master's offer book: an offer is in it until taken, and the indexes
// by framework and by agent always agree with the offers.

#include "actors/master/offer_book.hpp"

#include <doctest/doctest.h>

using namespace mensa;
using master::offer_book;
using master::offer_record;
using ids = std::vector<std::string>;

namespace {

offer_record offer(const std::string& framework, const std::string& agent,
                   const std::string& amounts = "cpus:1") {
  auto parsed = common::resources::parse(amounts);
  REQUIRE(parsed);
  return offer_record{framework, agent, "*", *parsed};
}

}  // namespace

TEST_CASE("an offer is found by its ID and listed under its framework and its agent") {
  offer_book book;
  REQUIRE(book.add("O1", offer("F1", "S1", "cpus:2;mem:64")));
  REQUIRE(book.add("O2", offer("F1", "S2")));
  REQUIRE(book.add("O3", offer("F2", "S1")));
  REQUIRE(book.find("O1") != nullptr);
  CHECK(book.find("O1")->agent_id == "S1");
  CHECK(book.find("O1")->resources == *common::resources::parse("cpus:2;mem:64"));
  CHECK(book.find("O4") == nullptr);
  CHECK(book.of_framework("F1") == ids{"O1", "O2"});
  CHECK(book.of_framework("F2") == ids{"O3"});
  CHECK(book.on_agent("S1") == ids{"O1", "O3"});
  CHECK(book.on_agent("S2") == ids{"O2"});
  CHECK(book.of_framework("F3").empty());
  CHECK(book.size() == 3);
}

TEST_CASE("taking an offer returns it once and takes it out of both indexes") {
  offer_book book;
  REQUIRE(book.add("O1", offer("F1", "S1")));
  REQUIRE(book.add("O2", offer("F1", "S1")));
  auto taken = book.take("O1");
  REQUIRE(taken);
  CHECK(taken->framework_id == "F1");
  CHECK_FALSE(book.take("O1"));  // accepted and declined at once: only one wins
  CHECK(book.find("O1") == nullptr);
  CHECK(book.of_framework("F1") == ids{"O2"});
  CHECK(book.on_agent("S1") == ids{"O2"});
  REQUIRE(book.take("O2"));
  CHECK(book.of_framework("F1").empty());
  CHECK(book.on_agent("S1").empty());
  CHECK(book.size() == 0);
}

TEST_CASE("an ID already in the book is refused and changes nothing") {
  offer_book book;
  REQUIRE(book.add("O1", offer("F1", "S1")));
  CHECK_FALSE(book.add("O1", offer("F2", "S2")));
  CHECK(book.find("O1")->framework_id == "F1");
  CHECK(book.of_framework("F2").empty());
  CHECK(book.on_agent("S2").empty());
  CHECK(book.size() == 1);
}

TEST_CASE("rescinding every offer of an agent while walking its list leaves none") {
  offer_book book;
  for (auto id : {"O1", "O2", "O3"})
    REQUIRE(book.add(id, offer("F1", "S1")));
  REQUIRE(book.add("O4", offer("F1", "S2")));
  for (auto& id : book.on_agent("S1"))
    CHECK(book.take(id));
  CHECK(book.on_agent("S1").empty());
  CHECK(book.of_framework("F1") == ids{"O4"});
}
