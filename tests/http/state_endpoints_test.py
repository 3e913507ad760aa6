#!/usr/bin/env python3
"""The v0 read endpoints of a real `mensa local` as Mesos tools read them
(/master/state, state-summary, frameworks, slaves, tasks, roles, flags, with
their `.json` and unprefixed aliases and `?jsonp=`), while an HTTP framework
runs real tasks; many concurrent state requests answered alike; and what
they refuse.

Usage: state_endpoints_test.py MENSA PROTO_ROOT"""

import json
import sys
import threading
import unittest

import mesos_http

MENSA = None


class StateEndpoints(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cluster = mesos_http.Cluster(MENSA, "--weights=analytics=2",
                                         "--max_completed_tasks_per_framework=10",
                                         agents=2)
        # One task finished, one running, of one HTTP framework.
        cls.scheduler = s = mesos_http.Scheduler(cls.cluster, name="v0-observed")
        assert s.status == 200, s.error
        offer = s.next_event("OFFERS")["offers"]["offers"][0]
        code, body = s.launch(offer, mesos_http.command_task(offer, "done-task", "true"))
        assert code == 202, body
        s.await_state("TASK_FINISHED")
        offer = s.next_event("OFFERS")["offers"]["offers"][0]
        code, body = s.launch(offer, mesos_http.command_task(
            offer, "running-task", "sleep 600", cpus=0.5, mem=64))
        assert code == 202, body
        s.await_state("TASK_RUNNING")
        cls.running_agent = offer["agent_id"]["value"]

    @classmethod
    def tearDownClass(cls):
        cls.scheduler.close()
        cls.cluster.stop()

    def get(self, path):
        status, headers, body = self.cluster.request("GET", path)
        self.assertEqual(status, 200, body)
        self.assertEqual(headers["Content-Type"], "application/json")
        return json.loads(body)

    def framework_of(self, frameworks):
        mine = [f for f in frameworks if f["id"] == self.scheduler.framework_id]
        self.assertEqual(len(mine), 1, frameworks)
        return mine[0]

    def test_state(self):
        state = self.get("/master/state")
        self.assertEqual(state["pid"], f"master@127.0.0.1:{self.cluster.port}")
        self.assertEqual(state["leader"], state["pid"])
        self.assertEqual(state["leader_info"]["port"], self.cluster.port)
        self.assertEqual(state["activated_slaves"], 2)
        self.assertEqual(state["flags"]["port"], str(self.cluster.port))
        self.assertGreater(state["start_time"], 1.6e9)
        self.assertEqual(len(state["slaves"]), 2)
        framework = self.framework_of(state["frameworks"])
        self.assertEqual(framework["name"], "v0-observed")
        self.assertTrue(framework["active"])
        self.assertGreater(framework["registered_time"], 1.6e9)
        self.assertEqual(framework["role"], "*")
        running = framework["tasks"]
        self.assertEqual([t["id"] for t in running], ["running-task"])
        task = running[0]
        self.assertEqual(task["state"], "TASK_RUNNING")
        self.assertEqual(task["slave_id"], self.running_agent)
        self.assertEqual(task["framework_id"], self.scheduler.framework_id)
        self.assertEqual(task["resources"]["cpus"], 0.5)
        self.assertEqual(task["resources"]["mem"], 64)
        self.assertEqual(task["resources"]["gpus"], 0)
        self.assertEqual(task["statuses"][-1]["state"], "TASK_RUNNING")
        self.assertGreater(task["statuses"][-1]["timestamp"], 1.6e9)
        self.assertEqual([t["id"] for t in framework["completed_tasks"]], ["done-task"])
        self.assertEqual(framework["used_resources"]["cpus"], 0.5)
        agent = [a for a in state["slaves"] if a["id"] == self.running_agent][0]
        self.assertEqual(agent["resources"]["cpus"], 2)
        self.assertEqual(agent["used_resources"]["cpus"], 0.5)
        self.assertTrue(agent["active"])
        self.assertGreater(agent["registered_time"], 1.6e9)
        self.assertEqual(state["orphan_tasks"], [])
        # Every alias answers the same view.
        for alias in ("/state", "/master/state.json", "/state.json"):
            same = self.get(alias)
            self.assertEqual(same["id"], state["id"])
            self.assertEqual(len(same["frameworks"]), len(state["frameworks"]))

    def test_state_summary(self):
        summary = self.get("/master/state-summary")
        self.assertEqual(summary["hostname"], "127.0.0.1")
        framework = self.framework_of(summary["frameworks"])
        self.assertEqual(framework["TASK_RUNNING"], 1)
        self.assertEqual(framework["TASK_FINISHED"], 1)
        self.assertNotIn("tasks", framework)
        agent = [a for a in summary["slaves"] if a["id"] == self.running_agent][0]
        self.assertEqual(agent["TASK_RUNNING"], 1)
        self.assertEqual(agent["framework_ids"], [self.scheduler.framework_id])

    def test_frameworks_and_slaves_by_id(self):
        frameworks = self.get("/master/frameworks")
        self.framework_of(frameworks["frameworks"])
        only = self.get(f"/master/frameworks?framework_id={self.scheduler.framework_id}")
        self.assertEqual(len(only["frameworks"]), 1)
        self.assertEqual(self.get("/master/frameworks?framework_id=nope")["frameworks"], [])
        slaves = self.get("/master/slaves")
        self.assertEqual(len(slaves["slaves"]), 2)
        only = self.get(f"/master/slaves?slave_id={self.running_agent}")
        self.assertEqual([a["id"] for a in only["slaves"]], [self.running_agent])
        self.assertEqual(only["recovered_slaves"], [])

    def test_tasks_with_limit_offset_and_order(self):
        everything = self.get("/master/tasks")["tasks"]
        # Newest first by default.
        self.assertEqual([t["id"] for t in everything], ["running-task", "done-task"])
        ascending = self.get("/master/tasks?order=asc")["tasks"]
        self.assertEqual([t["id"] for t in ascending], ["done-task", "running-task"])
        self.assertEqual([t["id"] for t in self.get("/master/tasks?limit=1")["tasks"]],
                         ["running-task"])
        self.assertEqual(
            [t["id"] for t in self.get("/master/tasks?limit=1&offset=1")["tasks"]],
            ["done-task"])
        self.assertEqual(self.get("/master/tasks?offset=5")["tasks"], [])
        self.assertEqual(
            [t["id"] for t in self.get("/master/tasks?task_id=done-task")["tasks"]],
            ["done-task"])
        huge = self.get("/master/tasks?limit=18446744073709551615&offset=1")["tasks"]
        self.assertEqual([t["id"] for t in huge], ["done-task"])
        # A limit that is not a number is the default, as on Mesos.
        self.assertEqual(len(self.get("/master/tasks?limit=many")["tasks"]), 2)

    def test_roles_and_flags(self):
        roles = {r["name"]: r for r in self.get("/master/roles")["roles"]}
        self.assertEqual(roles["analytics"]["weight"], 2)
        self.assertEqual(roles["*"]["frameworks"], [self.scheduler.framework_id])
        self.assertEqual(roles["*"]["allocated"]["cpus"], 0.5)
        self.assertEqual(roles["*"]["quota"]["role"], "*")
        flags = self.get("/master/flags")["flags"]
        self.assertEqual(flags["port"], str(self.cluster.port))
        self.assertEqual(self.get("/flags"), {"flags": flags})

    def test_jsonp(self):
        status, headers, body = self.cluster.request("GET", "/master/flags?jsonp=show")
        self.assertEqual(status, 200)
        self.assertEqual(headers["Content-Type"], "text/javascript")
        self.assertTrue(body.startswith(b"show({\"flags\":"), body[:40])
        self.assertTrue(body.endswith(b");"))
        # Only a JavaScript name: no script slips into the answer.
        status, _, body = self.cluster.request("GET", "/master/flags?jsonp=alert(1);x")
        self.assertEqual(status, 400)
        self.assertIn(b"'jsonp' must be a JavaScript name", body)

    def test_concurrent_requests_get_one_state(self):
        answers = [None] * 20
        def fetch(i):
            answers[i] = self.cluster.request("GET", "/master/state")
        threads = [threading.Thread(target=fetch, args=(i,)) for i in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(mesos_http.GENEROUS)
        for status, _, body in answers:
            self.assertEqual(status, 200)
            self.assertEqual(len(json.loads(body)["slaves"]), 2)

    def test_mensa_local_names_its_http_address(self):
        self.assertIn(f"master: HTTP at http://127.0.0.1:{self.cluster.port} ",
                      self.cluster.output())

    def test_refusals(self):
        status, headers, _ = self.cluster.request("POST", "/master/state", body=b"{}")
        self.assertEqual(status, 405)
        self.assertEqual(headers["Allow"], "GET, HEAD")
        status, _, _ = self.cluster.request("GET", "/master/no-such-view")
        self.assertEqual(status, 404)
        self.get("/master/state-summary")


if __name__ == "__main__":
    sys.exit(mesos_http.run(StateEndpoints))
