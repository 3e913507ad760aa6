// A task's history as the master keeps it: a status comes back as it was
// kept, with only what does not fit the compact entry on the heap.

#include "actors/master/kept_status.hpp"

#include <doctest/doctest.h>
#include <google/protobuf/util/message_differencer.h>

using namespace mensa;
using master::kept_status;

namespace {

const std::string uuid16 = "0123456789abcdef";

v1::TaskStatus running() {
  v1::TaskStatus status;
  status.mutable_task_id()->set_value("t1");
  status.set_state(v1::TASK_RUNNING);
  status.set_source(v1::TaskStatus::SOURCE_EXECUTOR);
  status.set_timestamp(1234.5);
  status.set_uuid(uuid16);
  return status;
}

bool same(const v1::TaskStatus& x, const v1::TaskStatus& y) {
  std::string difference;
  google::protobuf::util::MessageDifferencer differ;
  differ.ReportDifferencesToString(&difference);
  bool equal = differ.Compare(x, y);
  if (!equal)
    MESSAGE(difference);
  return equal;
}

}  // namespace

TEST_CASE("an update's state, source, time and 16-byte uuid need nothing more") {
  auto kept = kept_status::of_update(running());
  CHECK(kept.rest == nullptr);
  CHECK(kept.has_uuid_equal_to(uuid16));
  CHECK_FALSE(kept.has_uuid_equal_to("0123456789abcdeX"));
  CHECK_FALSE(kept.has_uuid_equal_to("short"));
  auto expected = running();
  expected.clear_task_id();
  CHECK(same(kept.to_status(), expected));
}

TEST_CASE("an update keeps its reason, message and health, not its labels or data") {
  auto status = running();
  status.set_state(v1::TASK_FAILED);
  status.set_reason(v1::TaskStatus::REASON_COMMAND_EXECUTOR_FAILED);
  status.set_message("exited with status 3");
  status.set_healthy(false);
  status.set_data("payload");
  status.mutable_labels()->add_labels()->set_key("k");
  auto back = kept_status::of_update(status).to_status();
  CHECK(back.state() == v1::TASK_FAILED);
  CHECK(back.reason() == v1::TaskStatus::REASON_COMMAND_EXECUTOR_FAILED);
  CHECK(back.message() == "exited with status 3");
  REQUIRE(back.has_healthy());
  CHECK_FALSE(back.healthy());
  CHECK(back.uuid() == uuid16);
  CHECK_FALSE(back.has_data());
  CHECK_FALSE(back.has_labels());
  CHECK_FALSE(back.has_task_id());
}

TEST_CASE("a reported status comes back whole but its task ID, any uuid included") {
  auto status = running();
  status.mutable_agent_id()->set_value("S1");
  status.mutable_executor_id()->set_value("e1");
  status.set_data("payload");
  status.set_message("fine");
  for (auto& uuid : {uuid16, std::string("uuid-2")}) {
    CAPTURE(uuid);
    status.set_uuid(uuid);
    auto kept = kept_status::whole(status);
    REQUIRE(kept.rest != nullptr);
    CHECK_FALSE(kept.rest->has_state());
    CHECK(kept.has_uuid_equal_to(uuid));
    auto expected = status;
    expected.clear_task_id();
    CHECK(same(kept.to_status(), expected));
  }
}
