#!/usr/bin/env python3
"""The operator API (POST /api/v1) of a real `mensa local`, driven as Mesos's
operator tools drive it: every read call in JSON and protobuf, the state
while an HTTP framework runs a real task, the event stream (SUBSCRIBE) seeing
a framework and its task come and go, agents added, removed and marked gone, weights and quota changed and read
back, a framework torn down by the operator; and every wrong request
answered as Mesos answers it, with the node serving on.

Usage: operator_api_test.py MENSA PROTO_ROOT"""

import json
import signal
import sys
import unittest

import mesos_http

MENSA = None


def scalar(resources, name):
    return sum(r["scalar"]["value"] for r in resources if r["name"] == name)


class OperatorApi(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cluster = mesos_http.Cluster(MENSA)

    @classmethod
    def tearDownClass(cls):
        cls.cluster.stop()

    def call(self, call_type, body=None, path="/api/v1", cluster=None):
        """Sends a JSON call: (status, parsed JSON body or text)."""
        call = {"type": call_type}
        if body is not None:
            call[call_type.lower()] = body
        status, headers, data = (cluster or self.cluster).request(
            "POST", path, body=json.dumps(call),
            headers={"Content-Type": "application/json",
                     "Accept": "application/json"})
        if status == 200 and data:
            self.assertEqual(headers["Content-Type"], "application/json")
            return status, json.loads(data)
        return status, data.decode()

    def get(self, call_type, cluster=None):
        status, answer = self.call(call_type, cluster=cluster)
        self.assertEqual(status, 200, answer)
        self.assertEqual(answer["type"], call_type)
        return answer

    def test_node_facts(self):
        self.assertTrue(self.get("GET_HEALTH")["get_health"]["healthy"])
        version = self.get("GET_VERSION")["get_version"]["version_info"]
        self.assertTrue(version["version"])
        flags = {f["name"]: f.get("value")
                 for f in self.get("GET_FLAGS")["get_flags"]["flags"]}
        self.assertEqual(flags["port"], str(self.cluster.port))
        self.assertEqual(flags["agents"], "1")
        metrics = {m["name"]: m["value"]
                   for m in self.get("GET_METRICS")["get_metrics"]["metrics"]}
        self.assertIn("runtime/processes", metrics)
        self.assertGreater(metrics["runtime/processes"], 0)
        # The master's own, under Mesos's names, computed when asked.
        self.assertEqual(metrics["master/elected"], 1)
        self.assertEqual(metrics["master/slaves_connected"], 1)
        self.assertGreater(metrics["master/uptime_secs"], 0)
        self.assertEqual(self.get("GET_LOGGING_LEVEL")["get_logging_level"]["level"], 0)
        master = self.get("GET_MASTER")["get_master"]
        self.assertEqual(master["master_info"]["port"], self.cluster.port)
        self.assertEqual(master["master_info"]["pid"],
                         f"master@127.0.0.1:{self.cluster.port}")
        self.assertGreater(master["start_time"], 1.7e9)

    def test_the_trailing_slash_reaches_the_same_api(self):
        status, answer = self.call("GET_HEALTH", path="/api/v1/")
        self.assertEqual(status, 200, answer)
        self.assertTrue(answer["get_health"]["healthy"])

    def test_protobuf_in_and_out(self):
        body = mesos_http.protoc("encode", "mensa.v1.master.Call", b"type: GET_AGENTS\n")
        status, headers, data = self.cluster.request(
            "POST", "/api/v1", body=body,
            headers={"Content-Type": "application/x-protobuf",
                     "Accept": "application/x-protobuf"})
        self.assertEqual(status, 200, data)
        self.assertEqual(headers["Content-Type"], "application/x-protobuf")
        text = mesos_http.protoc("decode", "mensa.v1.master.Response", data).decode()
        self.assertIn("type: GET_AGENTS", text)
        self.assertIn('name: "cpus"', text)
        self.assertIn("active: true", text)

    def test_state_of_a_running_task_and_an_operator_teardown(self):
        s = mesos_http.Scheduler(self.cluster, name="observed")
        self.assertEqual(s.status, 200)
        offer = s.next_event("OFFERS")["offers"]["offers"][0]
        task = mesos_http.command_task(offer, "observed-task", "sleep 600",
                                       cpus=0.5, mem=64)
        code, body = s.launch(offer, task)
        self.assertEqual(code, 202, body)
        s.await_state("TASK_RUNNING")

        status, _, data = self.cluster.request("GET", "/metrics/snapshot")
        self.assertEqual(status, 200)
        snapshot = json.loads(data)
        self.assertGreaterEqual(snapshot["master/tasks_running"], 1)
        self.assertGreaterEqual(snapshot["master/frameworks_active"], 1)
        self.assertEqual(snapshot["master/slaves_active"], 1)
        killed_before = snapshot.get("master/tasks_killed", 0)

        state = self.get("GET_STATE")["get_state"]
        tasks = state["get_tasks"]["tasks"]
        mine = [t for t in tasks if t["task_id"]["value"] == "observed-task"]
        self.assertEqual(len(mine), 1, tasks)
        self.assertEqual(mine[0]["state"], "TASK_RUNNING")
        self.assertEqual(mine[0]["framework_id"]["value"], s.framework_id)
        self.assertEqual(scalar(mine[0]["resources"], "cpus"), 0.5)

        frameworks = state["get_frameworks"]["frameworks"]
        framework = [f for f in frameworks
                     if f["framework_info"]["id"]["value"] == s.framework_id][0]
        self.assertTrue(framework["active"])
        self.assertTrue(framework["connected"])
        self.assertFalse(framework["recovered"])
        self.assertGreaterEqual(scalar(framework["allocated_resources"], "cpus"), 0.5)

        agents = state["get_agents"]["agents"]
        self.assertEqual(len(agents), 1)
        agent = agents[0]
        self.assertTrue(agent["active"])
        self.assertEqual(agent["agent_info"]["id"]["value"], offer["agent_id"]["value"])
        self.assertEqual(scalar(agent["total_resources"], "cpus"), 2)
        self.assertGreaterEqual(scalar(agent["allocated_resources"], "cpus"), 0.5)

        # A command task's executor is the agent's business, not the
        # master's: Mesos's master does not list it either.
        executors = state["get_executors"].get("executors", [])
        self.assertFalse(any(e["executor_info"]["framework_id"]["value"] == s.framework_id
                             for e in executors), executors)
        self.assertEqual(self.get("GET_TASKS")["get_tasks"], state["get_tasks"])

        roles = self.get("GET_ROLES")["get_roles"]["roles"]
        star = [r for r in roles if r["name"] == "*"]
        self.assertEqual(len(star), 1, roles)
        self.assertEqual(star[0]["weight"], 1)
        self.assertIn({"value": s.framework_id}, star[0]["frameworks"])

        status, body = self.call("TEARDOWN", {"framework_id": {"value": s.framework_id}})
        self.assertEqual(status, 200, body)
        with self.assertRaises(EOFError):
            s.next_event("NEVER")
        s.close()
        frameworks = self.get("GET_FRAMEWORKS")["get_frameworks"]
        self.assertFalse(any(f["framework_info"]["id"]["value"] == s.framework_id
                             for f in frameworks.get("frameworks", [])))
        self.assertTrue(any(f["framework_info"]["id"]["value"] == s.framework_id
                            for f in frameworks["completed_frameworks"]))
        completed = self.get("GET_TASKS")["get_tasks"]["completed_tasks"]
        ended = [t for t in completed if t["task_id"]["value"] == "observed-task"]
        self.assertEqual(len(ended), 1, completed)
        self.assertEqual(ended[0]["state"], "TASK_KILLED")
        snapshot = json.loads(self.cluster.request("GET", "/metrics/snapshot")[2])
        self.assertEqual(snapshot["master/tasks_killed"], killed_before + 1)

    def subscribe(self, cluster=None):
        """Opens an operator event stream: (connection, RecordIO, SUBSCRIBED)."""
        connection = (cluster or self.cluster).connection()
        connection.request("POST", "/api/v1", body=json.dumps({"type": "SUBSCRIBE"}),
                           headers={"Content-Type": "application/json",
                                    "Accept": "application/json"})
        response = connection.getresponse()
        self.assertEqual(response.status, 200)
        self.assertEqual(response.getheader("Content-Type"), "application/json")
        events = mesos_http.RecordIO(response)
        subscribed = events.next()
        self.assertEqual(subscribed["type"], "SUBSCRIBED")
        return connection, events, subscribed["subscribed"]

    def test_event_stream_sees_a_framework_and_its_task_added_and_finishing(self):
        connection, events, subscribed = self.subscribe()
        self.assertEqual(subscribed["heartbeat_interval_seconds"], 15)
        agents = subscribed["get_state"]["get_agents"]["agents"]
        self.assertEqual(len(agents), 1)

        s = mesos_http.Scheduler(self.cluster, name="streamed")
        self.assertEqual(s.status, 200)
        offer = s.next_event("OFFERS")["offers"]["offers"][0]
        task = mesos_http.command_task(offer, "streamed-task", "true")
        code, body = s.launch(offer, task)
        self.assertEqual(code, 202, body)
        s.await_state("TASK_FINISHED")

        def mine(event):
            body = event.get(event["type"].lower(), {})
            if "framework" in body:
                return body["framework"]["framework_info"]["id"]["value"] == s.framework_id
            if "task" in body:
                return body["task"]["framework_id"]["value"] == s.framework_id
            if "framework_id" in body:
                return body["framework_id"]["value"] == s.framework_id
            if "framework_info" in body:
                return body["framework_info"]["id"]["value"] == s.framework_id
            return False

        seen = []
        while not seen or seen[-1]["type"] != "TASK_UPDATED" or \
                seen[-1]["task_updated"]["state"] != "TASK_FINISHED":
            event = events.next()
            if mine(event):
                seen.append(event)
        self.assertEqual(seen[0]["type"], "FRAMEWORK_ADDED")
        self.assertEqual(seen[0]["framework_added"]["framework"]["framework_info"]["name"],
                         "streamed")
        self.assertEqual(seen[1]["type"], "TASK_ADDED")
        added = seen[1]["task_added"]["task"]
        self.assertEqual(added["task_id"]["value"], "streamed-task")
        self.assertEqual(added["state"], "TASK_STAGING")
        self.assertEqual(added["agent_id"], offer["agent_id"])
        # Each update that moved the task: `state` is where it is now (the
        # agent's latest), `status` the update that moved it.
        updates = [e["task_updated"] for e in seen if e["type"] == "TASK_UPDATED"]
        self.assertEqual(updates[-1]["state"], "TASK_FINISHED")
        self.assertEqual(updates[-1]["status"]["task_id"]["value"], "streamed-task")
        self.assertEqual(len(set(u["state"] for u in updates)), len(updates), updates)

        # The scheduler's stream drops: the framework (failover timeout 0)
        # goes, and the operator hears it updated and removed.
        s.close()
        while True:
            event = events.next()
            if mine(event) and event["type"] == "FRAMEWORK_REMOVED":
                break
        connection.close()

    def test_event_streams_beyond_the_limit_close_the_oldest(self):
        cluster = mesos_http.Cluster(MENSA, "--max_operator_event_stream_subscribers=2")
        try:
            first = self.subscribe(cluster)
            second = self.subscribe(cluster)
            third = self.subscribe(cluster)
            with self.assertRaises(EOFError):
                first[1].next()
            # The two newest stay open: the node still sends them events.
            s = mesos_http.Scheduler(cluster, name="heard-by-two")
            self.assertEqual(s.status, 200)
            for _, events, _ in (second, third):
                self.assertEqual(events.next()["type"], "FRAMEWORK_ADDED")
            s.close()
            for connection, _, _ in (first, second, third):
                connection.close()
        finally:
            cluster.stop()

    def test_agents_come_and_go_and_one_marked_gone_never_returns(self):
        # A master and real agents apart, pinging fast so that a silent
        # agent is unreachable within a second.
        master = mesos_http.Node(MENSA, "master", "--agent_ping_interval=100ms",
                                 "--max_agent_ping_timeouts=3",
                                 "--heartbeat_interval=100ms", "--heartbeat_timeout=1s")
        agents = []

        def start_agent():
            agent = mesos_http.Node(MENSA, "agent", f"--master=127.0.0.1:{master.port}",
                                    "--resources=cpus:2;mem:1024;disk:1024",
                                    "--heartbeat_interval=100ms", "--heartbeat_timeout=1s",
                                    "--master_ping_timeout=1s", ready="registered with")
            agents.append(agent)
            return agent

        def next_event(events, event_type):
            while True:
                event = events.next()
                if event["type"] == event_type:
                    return event

        def mark_gone(agent_id):
            return self.call("MARK_AGENT_GONE", {"agent_id": {"value": agent_id}},
                             cluster=master)

        try:
            connection, events, _ = self.subscribe(master)
            start_agent()
            first = next_event(events, "AGENT_ADDED")["agent_added"]["agent"]
            first_id = first["agent_info"]["id"]["value"]
            self.assertTrue(first["active"])
            self.assertEqual(scalar(first["total_resources"], "cpus"), 2)

            s = mesos_http.Scheduler(master, name="gone-watcher",
                                     capabilities=["PARTITION_AWARE"])
            self.assertEqual(s.status, 200, getattr(s, "error", ""))
            offer = s.next_event("OFFERS")["offers"]["offers"][0]
            task = mesos_http.command_task(offer, "on-a-gone-agent", "sleep 600")
            code, body = s.launch(offer, task)
            self.assertEqual(code, 202, body)
            s.await_state("TASK_RUNNING")

            status, body = mark_gone(first_id)
            self.assertEqual(status, 200, body)
            gone = s.next_event("UPDATE")["update"]["status"]
            self.assertEqual(gone["state"], "TASK_GONE_BY_OPERATOR")
            self.assertEqual(gone["reason"], "REASON_AGENT_REMOVED_BY_OPERATOR")
            removed = next_event(events, "AGENT_REMOVED")["agent_removed"]
            self.assertEqual(removed["agent_id"]["value"], first_id)
            agents[0].wait_for_exit()
            self.assertIn("has been marked gone", agents[0].output())
            # Marking it again changes nothing; an agent never seen is 404.
            self.assertEqual(mark_gone(first_id)[0], 200)
            status, body = mark_gone("no-such-agent")
            self.assertEqual(status, 404)
            self.assertEqual(body, "Agent 'no-such-agent' not found")
            listed = self.get("GET_AGENTS", cluster=master)["get_agents"]
            self.assertEqual(listed.get("agents", []), [])
            # Reconciliation knows the task went with its agent.
            code, body = s.call("RECONCILE", {"tasks": [{
                "task_id": {"value": "on-a-gone-agent"},
                "agent_id": {"value": first_id}}]})
            self.assertEqual(code, 202, body)
            reconciled = s.next_event("UPDATE")["update"]["status"]
            self.assertEqual(reconciled["state"], "TASK_GONE_BY_OPERATOR")
            self.assertEqual(reconciled["reason"], "REASON_RECONCILIATION")

            # A second agent goes silent (stopped): unreachable, it is
            # removed; marked gone meanwhile, it is refused when it wakes
            # (and, missing the master's pings, registers again).
            second = start_agent()
            second_id = next_event(events, "AGENT_ADDED")["agent_added"]["agent"][
                "agent_info"]["id"]["value"]
            second.process.send_signal(signal.SIGSTOP)
            try:
                removed = next_event(events, "AGENT_REMOVED")["agent_removed"]
                self.assertEqual(removed["agent_id"]["value"], second_id)
                self.assertEqual(mark_gone(second_id)[0], 200)
            finally:
                second.process.send_signal(signal.SIGCONT)
            second.wait_for_exit(timeout=15)
            self.assertIn(f"agent {second_id} has been marked gone", second.output())
            s.close()
            connection.close()
        finally:
            for agent in agents:
                agent.stop()
            master.stop()

    def test_weights_are_updated_and_read_back(self):
        status, body = self.call("UPDATE_WEIGHTS", {"weight_infos": [
            {"role": "analytics", "weight": 2.5}]})
        self.assertEqual(status, 200, body)
        self.assertEqual(body, "")
        weights = self.get("GET_WEIGHTS")["get_weights"]["weight_infos"]
        self.assertIn({"role": "analytics", "weight": 2.5}, weights)
        roles = self.get("GET_ROLES")["get_roles"]["roles"]
        self.assertIn(2.5, [r["weight"] for r in roles if r["name"] == "analytics"])
        status, body = self.call("UPDATE_WEIGHTS", {"weight_infos": [
            {"role": "analytics", "weight": -1}]})
        self.assertEqual(status, 400)
        self.assertIn("weight", body)
        weights = self.get("GET_WEIGHTS")["get_weights"]["weight_infos"]
        self.assertIn({"role": "analytics", "weight": 2.5}, weights)

    def test_quota_is_updated_read_back_and_removed(self):
        status, body = self.call("UPDATE_QUOTA", {"quota_configs": [
            {"role": "dev", "guarantees": {"cpus": {"value": 1}},
             "limits": {"cpus": {"value": 1.5}}}]})
        self.assertEqual(status, 200, body)
        configs = self.get("GET_QUOTA")["get_quota"]["status"]["configs"]
        dev = [c for c in configs if c["role"] == "dev"]
        self.assertEqual(dev[0]["guarantees"]["cpus"]["value"], 1)
        self.assertEqual(dev[0]["limits"]["cpus"]["value"], 1.5)
        # More than the cluster has is refused unless forced.
        huge = {"quota_configs": [{"role": "big",
                                   "guarantees": {"cpus": {"value": 1000}}}]}
        status, body = self.call("UPDATE_QUOTA", huge)
        self.assertEqual(status, 400)
        self.assertIn("more than the cluster", body)
        status, body = self.call("UPDATE_QUOTA", dict(huge, force=True))
        self.assertEqual(status, 200, body)
        status, body = self.call("UPDATE_QUOTA", {"quota_configs": [
            {"role": "dev"}, {"role": "big"}]})
        self.assertEqual(status, 200, body)
        configs = self.get("GET_QUOTA")["get_quota"]["status"].get("configs", [])
        self.assertFalse([c for c in configs if c["role"] in ("dev", "big")])

    def test_wrong_requests_get_mesos_answers_and_the_node_serves_on(self):
        status, headers, body = self.cluster.request("GET", "/api/v1")
        self.assertEqual(status, 405)
        self.assertEqual(headers["Allow"], "POST")
        status, _, body = self.cluster.request("POST", "/api/v1", body=b"{}")
        self.assertEqual(status, 400)
        self.assertIn(b"Content-Type", body)
        status, _, _ = self.cluster.request(
            "POST", "/api/v1", body=b"{}", headers={"Content-Type": "text/plain"})
        self.assertEqual(status, 415)
        status, _, body = self.cluster.request(
            "POST", "/api/v1", body=b"{\"type\": ",
            headers={"Content-Type": "application/json"})
        self.assertEqual(status, 400)
        self.assertIn(b"Failed to parse", body)
        status, _, body = self.cluster.request(
            "POST", "/api/v1", body=b"\xff\xff\xff",
            headers={"Content-Type": "application/x-protobuf"})
        self.assertEqual(status, 400)
        status, body = self.call("NO_SUCH_CALL")
        self.assertEqual(status, 400)
        self.assertIn("Expecting 'type' to be present", body)
        status, body = self.call("UPDATE_WEIGHTS")
        self.assertEqual(status, 400)
        self.assertIn("Expecting 'update_weights' to be present", body)
        status, _, body = self.cluster.request(
            "POST", "/api/v1", body=json.dumps({"type": "GET_HEALTH"}),
            headers={"Content-Type": "application/json", "Accept": "text/html"})
        self.assertEqual(status, 406)
        status, body = self.call("RESERVE_RESOURCES")
        self.assertEqual(status, 501)
        self.assertIn("mensa does not support RESERVE_RESOURCES", body)
        status, body = self.call("TEARDOWN", {"framework_id": {"value": "nope"}})
        self.assertEqual(status, 400)
        self.assertIn("No framework found", body)
        self.assertTrue(self.get("GET_HEALTH")["get_health"]["healthy"])


if __name__ == "__main__":
    sys.exit(mesos_http.run(OperatorApi))
