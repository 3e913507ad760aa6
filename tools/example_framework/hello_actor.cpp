// hello_actor: the same framework as a scheduler actor. It runs N tasks
// that print a greeting; its callbacks are the actor's own handlers.
//
//   hello_actor [MASTER (127.0.0.1:5050)] [TASKS (5)]

#include <cstdio>
#include <cstdlib>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "actors/common/master_address.hpp"
#include "actors/common/task_states.hpp"
#include "actors/scheduler/scheduler_process.hpp"
#include "hello_tasks.hpp"
#include "runtime/node.hpp"

namespace v1 = mensa::v1;

class hello_scheduler : public mensa::scheduler::scheduler_process {
 public:
  hello_scheduler(caf::actor_config& cfg, mensa::runtime::node& owner, address self,
                  address master, v1::FrameworkInfo info, int wanted,
                  std::promise<int>* failed)
      : scheduler_process(cfg, owner, std::move(self), std::move(master),
                          std::move(info)),
        wanted_(wanted),
        failed_(failed) {}

 protected:
  void subscribed(const v1::scheduler::Event::Subscribed& event) override {
    std::printf("subscribed as %s\n", event.framework_id().value().c_str());
  }

  void offers(const std::vector<v1::Offer>& offers) override {
    for (auto& offer : offers) {
      auto tasks = hello::tasks_for(offer, launched_, wanted_);
      if (tasks.empty())
        decline({offer.id()});
      else
        launch_tasks(offer.id(), tasks);
    }
    if (launched_ == wanted_)
      suppress();
  }

  void update(const v1::TaskStatus& status) override {
    std::printf("%s: %s\n", status.task_id().value().c_str(),
                v1::TaskState_Name(status.state()).c_str());
    if (!mensa::common::is_terminal(status.state()))
      return;
    failures_ += status.state() == v1::TASK_FINISHED ? 0 : 1;
    if (++ended_ == wanted_)
      finish();
  }

  void error(const std::string& message) override {
    std::printf("the master refused us: %s\n", message.c_str());
    ++failures_;
    finish();
  }

 private:
  void finish() {
    teardown();
    failed_->set_value(failures_);
    quit();
  }

  int wanted_;
  int launched_ = 0;
  int ended_ = 0;
  int failures_ = 0;
  std::promise<int>* failed_;
};

int main(int argc, char** argv) {
  auto master =
      mensa::common::parse_master_address(argc > 1 ? argv[1] : "127.0.0.1:5050");
  int wanted = argc > 2 ? std::atoi(argv[2]) : 5;
  if (!master || wanted <= 0) {
    std::fprintf(
        stderr, "hello_actor: %s\n",
        master ? "TASKS must be a positive number" : master.error().message.c_str());
    return 2;
  }
  // A node of our own: 127.0.0.1 on an ephemeral port (set cfg->ip and
  // friends to reach a master on another host).
  auto cfg = std::make_unique<mensa::runtime::node_config>();
  auto node = mensa::runtime::node::start(std::move(cfg));
  if (!node) {
    std::fprintf(stderr, "hello_actor: %s\n", node.error().message.c_str());
    return 2;
  }
  v1::FrameworkInfo info;
  info.set_user(std::getenv("USER") != nullptr ? std::getenv("USER") : "root");
  info.set_name("hello-actor");
  std::promise<int> failed;
  auto spawned =
      (*node)->spawn<hello_scheduler>("hello", *master, info, wanted, &failed);
  if (!spawned) {
    std::fprintf(stderr, "hello_actor: %s\n", spawned.error().message.c_str());
    return 2;
  }
  auto failures = failed.get_future().get();
  std::printf("done: %d of %d tasks failed\n", failures, wanted);
  return failures == 0 ? 0 : 1;
}
