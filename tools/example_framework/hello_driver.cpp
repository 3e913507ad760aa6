// hello_driver: a framework written without actors. It runs N tasks that
// print a greeting, through a scheduler_driver that calls it back.
//
//   hello_driver [MASTER (127.0.0.1:5050)] [TASKS (5)]

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "actors/common/task_states.hpp"
#include "actors/scheduler/scheduler_driver.hpp"
#include "hello_tasks.hpp"

namespace v1 = mensa::v1;
using mensa::scheduler::driver_status;
using mensa::scheduler::scheduler_driver;

class hello_scheduler : public mensa::scheduler::scheduler_callbacks {
 public:
  explicit hello_scheduler(int wanted) : wanted_(wanted) {}

  void subscribed(scheduler_driver&,
                  const v1::scheduler::Event::Subscribed& event) override {
    std::printf("subscribed as %s\n", event.framework_id().value().c_str());
  }

  void offers(scheduler_driver& driver, const std::vector<v1::Offer>& offers) override {
    for (auto& offer : offers) {
      auto tasks = hello::tasks_for(offer, launched_, wanted_);
      if (tasks.empty())
        driver.decline({offer.id()});
      else
        driver.launch_tasks(offer.id(), tasks);
    }
    if (launched_ == wanted_)
      driver.suppress();  // No more offers, please.
  }

  void update(scheduler_driver& driver, const v1::TaskStatus& status) override {
    std::printf("%s: %s\n", status.task_id().value().c_str(),
                v1::TaskState_Name(status.state()).c_str());
    if (!mensa::common::is_terminal(status.state()))
      return;
    failed_ += status.state() == v1::TASK_FINISHED ? 0 : 1;
    if (++ended_ == wanted_)
      driver.stop();  // Tears the framework down; run() returns.
  }

  void error(scheduler_driver&, const std::string& message) override {
    std::printf("the master refused us: %s\n", message.c_str());
    ++failed_;
  }

  int failed() const { return failed_; }

 private:
  int wanted_;
  int launched_ = 0;
  int ended_ = 0;
  int failed_ = 0;
};

int main(int argc, char** argv) {
  std::string master = argc > 1 ? argv[1] : "127.0.0.1:5050";
  int wanted = argc > 2 ? std::atoi(argv[2]) : 5;
  if (wanted <= 0) {
    std::fprintf(stderr, "hello_driver: TASKS must be a positive number\n");
    return 2;
  }
  v1::FrameworkInfo info;
  info.set_user(std::getenv("USER") != nullptr ? std::getenv("USER") : "root");
  info.set_name("hello-driver");
  hello_scheduler scheduler(wanted);
  scheduler_driver driver(scheduler, info, master);
  auto ended = driver.run();
  if (!ended) {
    std::fprintf(stderr, "hello_driver: %s\n", ended.error().message.c_str());
    return 2;
  }
  std::printf("done: %d of %d tasks failed\n", scheduler.failed(), wanted);
  return *ended == driver_status::stopped && scheduler.failed() == 0 ? 0 : 1;
}
