#!/usr/bin/env python3
"""The scheduler HTTP API (POST /api/v1/scheduler) of a real `mensa local`,
driven as a Mesos framework written in Python drives it: subscribe, take an
offer, launch a real task, acknowledge its updates until TASK_FINISHED;
resubscribe after the stream drops; change the FrameworkInfo in place
(UPDATE_FRAMEWORK); see Docker, images, volumes and health checks refused with
TASK_ERROR; tear down; and every wrong request
answered as Mesos answers it, with the node serving on.

Usage: scheduler_api_test.py MENSA PROTO_ROOT"""

import json
import os
import sys
import unittest

import mesos_http

MENSA = None


class SchedulerApi(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cluster = mesos_http.Cluster(MENSA)

    @classmethod
    def tearDownClass(cls):
        cls.cluster.stop()

    def test_a_framework_runs_a_task_to_finished_over_http(self):
        s = mesos_http.Scheduler(self.cluster, name="runs-a-task")
        self.assertEqual(s.status, 200)
        self.assertEqual(s.headers["Content-Type"], "application/json")
        self.assertEqual(s.headers["Transfer-Encoding"], "chunked")
        self.assertTrue(s.stream_id)
        self.assertEqual(s.subscribed["heartbeat_interval_seconds"], 15)
        offers = s.next_event("OFFERS")["offers"]["offers"]
        offer = offers[0]
        cpus = [r for r in offer["resources"] if r["name"] == "cpus"]
        self.assertEqual(cpus[0]["scalar"]["value"], 2)
        task = mesos_http.command_task(offer, "http-task-1", "echo from-http; exit 0")
        code, body = s.call("ACCEPT", {
            "offer_ids": [offer["id"]],
            "operations": [{"type": "LAUNCH", "launch": {"task_infos": [task]}}],
            "filters": {"refuse_seconds": 1}})
        self.assertEqual(code, 202, body)
        states = []
        while not states or states[-1] not in ("TASK_FINISHED", "TASK_FAILED",
                                                "TASK_ERROR", "TASK_LOST"):
            status = s.next_event("UPDATE")["update"]["status"]
            self.assertEqual(status["task_id"]["value"], "http-task-1")
            states.append(status["state"])
            s.acknowledge(status)
        self.assertEqual(states[-1], "TASK_FINISHED", states)
        self.assertIn("TASK_RUNNING", states)
        code, body = s.call("TEARDOWN")
        self.assertEqual(code, 202, body)
        # The master ends the torn-down framework's stream.
        with self.assertRaises(EOFError):
            s.next_event("NEVER")
        s.close()

    def test_a_dropped_stream_is_resubscribed_with_the_same_framework_id(self):
        s = mesos_http.Scheduler(self.cluster, name="resubscribes", failover_timeout=60)
        framework_id, old_stream = s.framework_id, s.stream_id
        s.close()
        again = mesos_http.Scheduler(self.cluster, name="resubscribes",
                                     framework_id=framework_id, failover_timeout=60)
        self.assertEqual(again.status, 200, getattr(again, "error", ""))
        self.assertEqual(again.framework_id, framework_id)
        self.assertNotEqual(again.stream_id, old_stream)
        # The old stream's ID is no longer the framework's.
        code, body = again.call("REVIVE", stream_id=old_stream)
        self.assertEqual(code, 400, body)
        self.assertIn("didn't match", body)
        self.assertEqual(again.call("REVIVE")[0], 202)
        self.assertEqual(again.call("TEARDOWN")[0], 202)
        again.close()

    def test_update_framework_changes_the_info_in_place(self):
        s = mesos_http.Scheduler(self.cluster, name="before-update")
        self.assertEqual(s.status, 200, getattr(s, "error", ""))
        info = {"id": {"value": s.framework_id}, "user": os.environ.get("USER", "root"),
                "name": "after-update", "failover_timeout": 30.0,
                "capabilities": [{"type": "MULTI_ROLE"}], "roles": ["web"]}
        code, body = s.call("UPDATE_FRAMEWORK", {"framework_info": info})
        self.assertEqual(code, 200, body)
        status, _, data = self.cluster.request(
            "POST", "/api/v1", body=json.dumps({"type": "GET_FRAMEWORKS"}),
            headers={"Content-Type": "application/json", "Accept": "application/json"})
        self.assertEqual(status, 200)
        frameworks = json.loads(data)["get_frameworks"]["frameworks"]
        mine = [f["framework_info"] for f in frameworks
                if f["framework_info"]["id"]["value"] == s.framework_id]
        self.assertEqual(mine[0]["name"], "after-update")
        self.assertEqual(mine[0]["roles"], ["web"])
        # What a framework may not change is refused, the info kept.
        code, body = s.call("UPDATE_FRAMEWORK", {"framework_info": dict(info, user="other")})
        self.assertEqual(code, 400)
        self.assertIn("FrameworkInfo.user", body)
        code, body = s.call("UPDATE_FRAMEWORK", {"framework_info": dict(
            info, id={"value": "someone-else"})})
        self.assertEqual(code, 400)
        code, body = s.call("UPDATE_FRAMEWORK")
        self.assertEqual(code, 400)
        self.assertIn("Expecting 'update_framework' to be present", body)
        self.assertEqual(s.call("TEARDOWN")[0], 202)
        s.close()

    def test_what_mensa_cannot_run_is_refused_with_task_error(self):
        s = mesos_http.Scheduler(self.cluster, name="containers")
        self.assertEqual(s.status, 200, getattr(s, "error", ""))
        refused = {
            "docker": ({"container": {"type": "DOCKER", "docker": {"image": "busybox"}}},
                       "mensa does not support Docker containers"),
            "image": ({"container": {"type": "MESOS", "mesos": {"image": {
                "type": "DOCKER", "docker": {"name": "busybox"}}}}},
                      "mensa does not support container images"),
            "volume": ({"container": {"type": "MESOS", "volumes": [
                {"container_path": "/data", "host_path": "/tmp", "mode": "RW"}]}},
                       "mensa does not support volumes"),
            "health": ({"health_check": {"type": "COMMAND",
                                         "command": {"value": "true"}}},
                       "mensa does not run health checks"),
        }
        for name, (extra, message) in refused.items():
            offer = s.next_event("OFFERS")["offers"]["offers"][0]
            task = mesos_http.command_task(offer, "refused-" + name, "true")
            task.update(extra)
            code, body = s.launch(offer, task)
            self.assertEqual(code, 202, body)
            status = s.await_state("TASK_ERROR")
            self.assertEqual(status["task_id"]["value"], "refused-" + name)
            self.assertIn(message, status["message"])
        # A plain MESOS container is what mensa runs.
        offer = s.next_event("OFFERS")["offers"]["offers"][0]
        task = mesos_http.command_task(offer, "plain-container", "true")
        task["container"] = {"type": "MESOS"}
        code, body = s.launch(offer, task)
        self.assertEqual(code, 202, body)
        s.await_state("TASK_FINISHED")
        self.assertEqual(s.call("TEARDOWN")[0], 202)
        s.close()

    def test_a_protobuf_client_subscribes_and_reads_protobuf_events(self):
        call = mesos_http.protoc("encode", "mensa.v1.scheduler.Call",
                      b'type: SUBSCRIBE subscribe { framework_info { user: "root" '
                      b'name: "protobuf" } }')
        c = self.cluster.connection()
        c.request("POST", "/api/v1/scheduler", body=call, headers={
            "Content-Type": "application/x-protobuf", "Accept": "application/x-protobuf"})
        r = c.getresponse()
        self.assertEqual(r.status, 200)
        self.assertEqual(r.getheader("Content-Type"), "application/x-protobuf")
        buffer = b""
        while b"\n" not in buffer:
            buffer += r.read1(65536)
        length, _, rest = buffer.partition(b"\n")
        while len(rest) < int(length):
            rest += r.read1(65536)
        event = mesos_http.protoc("decode", "mensa.v1.scheduler.Event", rest[:int(length)])
        self.assertIn(b"type: SUBSCRIBED", event)
        self.assertIn(b"heartbeat_interval_seconds: 15", event)
        c.close()
        garbage = self.cluster.request("POST", "/api/v1/scheduler", b"\xff\xff\xff",
                                       {"Content-Type": "application/x-protobuf"})
        self.assertEqual(garbage[0], 400)
        self.assertIn(b"not a protobuf", garbage[2])

    def test_wrong_requests_are_answered_as_mesos_answers_them(self):
        c = self.cluster
        post = lambda body, headers: c.request("POST", "/api/v1/scheduler", body, headers)
        json_type = {"Content-Type": "application/json"}
        status, headers, body = c.request("GET", "/api/v1/scheduler")
        self.assertEqual(status, 405)
        self.assertEqual(post("{}", {})[0], 400)
        self.assertIn(b"Content-Type", post("{}", {})[2])
        self.assertEqual(post("{}", {"Content-Type": "text/plain"})[0], 415)
        status, _, body = post("{not json", json_type)
        self.assertEqual(status, 400)
        self.assertIn(b"Failed to parse", body)
        status, _, body = post(json.dumps({"type": "NO_SUCH_CALL"}), json_type)
        self.assertEqual(status, 400)
        status, _, body = post(json.dumps({"type": "ACCEPT"}), json_type)
        self.assertEqual(status, 400)
        self.assertIn(b"framework_id", body)
        status, _, body = post(json.dumps({"type": "SUBSCRIBE"}), json_type)
        self.assertEqual(status, 400)
        subscribe = json.dumps({"type": "SUBSCRIBE", "subscribe": {
            "framework_info": {"user": "root", "name": "x"}}})
        status, _, body = post(subscribe, {**json_type, "Accept": "text/html"})
        self.assertEqual(status, 406)
        status, _, body = post(subscribe, {**json_type, "Mesos-Stream-Id": "abc"})
        self.assertEqual(status, 400)
        status, _, body = post(json.dumps({"type": "SUBSCRIBE", "subscribe": {
            "framework_info": {"user": "root", "name": ""}}}), json_type)
        self.assertEqual(status, 400)
        self.assertIn(b"name", body)
        status, _, body = post(json.dumps({
            "type": "REVIVE", "framework_id": {"value": "no-such-framework"}}),
            {**json_type, "Mesos-Stream-Id": "abc"})
        self.assertEqual(status, 400)
        self.assertIn(b"Framework cannot be found", body)
        s = mesos_http.Scheduler(c, name="checked")
        self.assertEqual(s.call("REVIVE", stream_id="")[0], 400)
        status, body = s.call("REVIVE", stream_id="not-the-stream")
        self.assertEqual(status, 400)
        status, body = s.call("ACKNOWLEDGE", {
            "agent_id": {"value": "a"}, "task_id": {"value": "t"}, "uuid": "AAAA"})
        self.assertEqual(status, 400)
        self.assertIn("16 bytes", body)
        self.assertEqual(s.call("TEARDOWN")[0], 202)
        s.close()
        # The node serves on.
        self.assertEqual(c.request("GET", "/health")[0], 200)
        self.assertEqual(c.request("GET", "/master/health")[0], 200)


if __name__ == "__main__":
    sys.exit(mesos_http.run(SchedulerApi))
