// Dominant Resource Fairness through the real master: the example of the
// DRF paper (Ghodsi et al., NSDI 2011), and role weights and quota set by
// an operator at run time.

#include <doctest/doctest.h>

#include "mensa/internal/operator.pb.h"
#include "tests/cluster/cluster_fixture.hpp"

using namespace mensa;
using namespace std::chrono_literals;

namespace {

// Takes one task of a fixed size from every offer it fits in and gives the
// rest back at once; declines offers it does not fit in (for a second, so
// the settled cluster does not trade the leftovers back and forth).
class one_task_per_offer : public scheduler::scheduler_process {
 public:
  one_task_per_offer(caf::actor_config& cfg, runtime::node& owner, address self,
                     address master, v1::FrameworkInfo info, std::string task,
                     std::size_t* launched)
      : scheduler_process(cfg, owner, std::move(self), std::move(master),
                          std::move(info)),
        task_(std::move(task)),
        launched_(launched) {}

 protected:
  void offers(const std::vector<v1::Offer>& offers) override {
    v1::Filters none;
    none.set_refuse_seconds(0);
    auto size = *common::resources::parse(task_);
    for (auto& offer : offers) {
      common::resources offered(offer.resources());
      if (offered.scalar("cpus") < size.scalar("cpus") ||
          offered.scalar("mem") < size.scalar("mem")) {
        v1::Filters a_second;
        a_second.set_refuse_seconds(1);
        decline({offer.id()}, a_second);
        continue;
      }
      auto id = framework_id()->value() + "-" + std::to_string(*launched_);
      launch_tasks(offer.id(), {test::make_task(id, offer, task_, "sleep 100000")},
                   none);
      ++*launched_;
    }
  }

 private:
  std::string task_;
  std::size_t* launched_;
};

// An operator: sends its requests to the master and records the answers.
class operator_probe : public runtime::process {
 public:
  operator_probe(caf::actor_config& cfg, runtime::node& owner, address self,
                 address master, internal::UpdateWeights weights,
                 internal::UpdateQuota quota,
                 std::vector<internal::OperatorResponse>* answers)
      : process(cfg, owner, std::move(self)),
        master_(std::move(master)),
        weights_(std::move(weights)),
        quota_(std::move(quota)),
        answers_(answers) {}

 protected:
  void on_start() override {
    install(&operator_probe::on_answer);
    send(master_, weights_);
    send(master_, quota_);
  }

 private:
  void on_answer(const address&, const internal::OperatorResponse& answer) {
    answers_->push_back(answer);
  }

  address master_;
  internal::UpdateWeights weights_;
  internal::UpdateQuota quota_;
  std::vector<internal::OperatorResponse>* answers_;
};

}  // namespace

TEST_CASE("the DRF paper's example: A gets 3 tasks, B 2, both dominant shares 2/3") {
  test::test_cluster c;
  c.add_agent("cpus:9;mem:18432");
  std::size_t a = 0;
  std::size_t b = 0;
  c.h.spawn<one_task_per_offer>(*c.framework_node, "a", c.master_address,
                                test::make_framework("A"), "cpus:1;mem:4096", &a);
  c.h.spawn<one_task_per_offer>(*c.framework_node, "b", c.master_address,
                                test::make_framework("B"), "cpus:3;mem:1024", &b);
  REQUIRE(c.h.run_until([&] { return a + b == 5; }));
  // Settled: more passes change nothing.
  for (int i = 0; i < 5; ++i) {
    c.h.advance(1s);
    c.h.settle();
  }
  CHECK(a == 3);
  CHECK(b == 2);
}

TEST_CASE("weights and quota set through the master change the next offers") {
  test::test_cluster c;
  internal::UpdateWeights weights;
  auto* weight = weights.add_weight_infos();
  weight->set_role("heavy");
  weight->set_weight(3);
  internal::UpdateQuota bad;
  auto* config = bad.add_quota_configs();
  config->set_role("light");
  (*config->mutable_guarantees())["cpus"].set_value(8);
  (*config->mutable_limits())["cpus"].set_value(4);
  std::vector<internal::OperatorResponse> answers;
  auto& operator_node = c.h.add_node("10.0.0.250", 7070);
  c.h.spawn<operator_probe>(operator_node, "operator", c.master_address, weights, bad,
                            &answers);
  REQUIRE(c.h.run_until([&] { return answers.size() == 2; }));
  CHECK(!answers[0].has_error());
  REQUIRE(answers[0].weight_infos_size() == 1);
  CHECK(answers[0].weight_infos(0).weight() == 3);
  CHECK(answers[1].error().find("above its limit") != std::string::npos);
  CHECK(answers[1].quota_configs_size() == 0);

  auto in_role = [](const std::string& name, const std::string& role) {
    auto info = test::make_framework(name);
    info.add_roles(role);
    info.add_capabilities()->set_type(v1::FrameworkInfo::Capability::MULTI_ROLE);
    return info;
  };
  test::test_scheduler::journal heavy;
  test::test_scheduler::journal light;
  c.add_framework("heavy", &heavy, in_role("heavy", "heavy"));
  c.add_framework("light", &light, in_role("light", "light"));
  REQUIRE(c.h.run_until(
      [&] { return heavy.subscriptions() + light.subscriptions() == 2; }));
  // Agents come one by one; each goes to the smaller weighted share.
  for (int i = 0; i < 4; ++i)
    c.add_agent("cpus:4;mem:4096");
  REQUIRE(c.h.run_until(
      [&] { return heavy.offers().size() + light.offers().size() == 4; }));
  CHECK(heavy.offers().size() == 3);
  CHECK(light.offers().size() == 1);
  CHECK(heavy.offers().front().allocation_info().role() == "heavy");
}

TEST_CASE("quota guarantees beyond the cluster's agents are refused unless forced") {
  test::test_cluster c;
  c.add_agent("cpus:4;mem:4096");
  c.add_agent("cpus:4;mem:4096");
  c.h.settle();
  internal::UpdateWeights weights;
  weights.add_weight_infos()->set_role("web");
  weights.mutable_weight_infos(0)->set_weight(1);
  auto guarantee = [](double cpus, bool force) {
    internal::UpdateQuota quota;
    quota.set_force(force);
    auto* config = quota.add_quota_configs();
    config->set_role("web");
    (*config->mutable_guarantees())["cpus"].set_value(cpus);
    return quota;
  };
  std::vector<internal::OperatorResponse> answers;
  auto& operator_node = c.h.add_node("10.0.0.250", 7070);
  c.h.spawn<operator_probe>(operator_node, "operator", c.master_address, weights,
                            guarantee(9, false), &answers);
  REQUIRE(c.h.run_until([&] { return answers.size() == 2; }));
  CHECK_MESSAGE(
      answers[1].error().find("more than the cluster's 8") != std::string::npos,
      answers[1].error());
  c.h.spawn<operator_probe>(operator_node, "operator-2", c.master_address, weights,
                            guarantee(8, false), &answers);
  c.h.spawn<operator_probe>(operator_node, "operator-3", c.master_address, weights,
                            guarantee(9, true), &answers);
  REQUIRE(c.h.run_until([&] { return answers.size() == 6; }));
  // Everything else went through: 8 cpus fit, 9 do when forced.
  for (std::size_t i = 2; i < answers.size(); ++i)
    CHECK_MESSAGE(!answers[i].has_error(), answers[i].error());
}
