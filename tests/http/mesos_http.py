"""What the HTTP API tests share: a real `mensa local` (or master) process,
and a Mesos HTTP client written as a Python framework author would with the
standard library only (http.client, json), reading RecordIO streams."""

import base64
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

GENEROUS = 60.0

# The proto root (mensa/v1/*.proto), from the command line (`run`).
PROTO_ROOT = None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Node:
    """A mensa command (`local`, `master`, `agent`) on a free port with its
    own work directory, ready once it printed `ready`; stopped by `stop`.
    Its output is kept in `lines`."""

    def __init__(self, mensa, command, *flags, ready="listening at", ready_count=1):
        self.port = free_port()
        self.work_dir = tempfile.mkdtemp(prefix=f"mensa-http-test-{command}-")
        self.process = subprocess.Popen(
            [mensa, command, f"--port={self.port}", f"--work_dir={self.work_dir}",
             *flags],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines = []
        self._ready = threading.Event()
        self._ended = threading.Event()
        self._ready_text = ready
        self._ready_left = ready_count
        threading.Thread(target=self._read, daemon=True).start()
        if not self._ready.wait(GENEROUS):
            raise RuntimeError(f"mensa {command} did not start:\n" + "\n".join(self.lines))

    def _read(self):
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))
            if self._ready_text in line:
                self._ready_left -= 1
                if self._ready_left == 0:
                    self._ready.set()
        self._ended.set()

    def wait_for_exit(self, timeout=GENEROUS):
        """Waits until the process ended on its own; returns its exit code."""
        if not self._ended.wait(timeout):
            raise TimeoutError("the process did not end:\n" + "\n".join(self.lines))
        return self.process.wait(timeout)

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(GENEROUS)
        except subprocess.TimeoutExpired:
            self.process.kill()

    def connection(self):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=GENEROUS)

    def output(self):
        return "\n".join(self.lines)

    def request(self, method, path, body=None, headers=None):
        """One request on a fresh connection: (status, headers, body)."""
        c = self.connection()
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        data = r.read()
        c.close()
        return r.status, dict(r.getheaders()), data


class Cluster(Node):
    """`mensa local` with `agents` agents of 2 CPUs and 1 GiB each, ready
    once every agent registered."""

    def __init__(self, mensa, *flags, agents=1):
        super().__init__(mensa, "local", f"--agents={agents}",
                         "--resources=cpus:2;mem:1024;disk:1024", *flags,
                         ready=": registered with master", ready_count=agents)


class RecordIO:
    """Reads the records of a RecordIO stream (length, '\\n', record)."""

    def __init__(self, response):
        self.response = response
        self.buffer = b""

    def _fill(self):
        chunk = self.response.read1(65536)
        if not chunk:
            raise EOFError("the stream ended")
        self.buffer += chunk

    def next(self):
        while b"\n" not in self.buffer:
            self._fill()
        length, _, self.buffer = self.buffer.partition(b"\n")
        size = int(length)
        while len(self.buffer) < size:
            self._fill()
        record, self.buffer = self.buffer[:size], self.buffer[size:]
        return json.loads(record)


class Scheduler:
    """A framework speaking only Mesos's scheduler HTTP API, in JSON."""

    def __init__(self, cluster, name="http-framework", framework_id=None,
                 failover_timeout=0.0, checkpoint=False, capabilities=()):
        self.cluster = cluster
        info = {"user": os.environ.get("USER", "root"), "name": name,
                "failover_timeout": failover_timeout, "checkpoint": checkpoint,
                "capabilities": [{"type": c} for c in capabilities]}
        if framework_id:
            info["id"] = {"value": framework_id}
        call = {"type": "SUBSCRIBE", "subscribe": {"framework_info": info}}
        if framework_id:
            call["framework_id"] = {"value": framework_id}
        self.stream_connection = cluster.connection()
        self.stream_connection.request(
            "POST", "/api/v1/scheduler", body=json.dumps(call),
            headers={"Content-Type": "application/json", "Accept": "application/json"})
        self.response = self.stream_connection.getresponse()
        self.status = self.response.status
        self.headers = dict(self.response.getheaders())
        if self.status != 200:
            self.error = self.response.read().decode()
            return
        self.kept_offers = []
        self.stream_id = self.response.getheader("Mesos-Stream-Id")
        self.events = RecordIO(self.response)
        subscribed = self.next_event("SUBSCRIBED")
        self.subscribed = subscribed["subscribed"]
        self.framework_id = self.subscribed["framework_id"]["value"]
        self.calls = cluster.connection()

    def next_event(self, *types, timeout=GENEROUS):
        """The next event of one of `types`. Others are skipped, but OFFERS
        are kept for a later call that asks for them: offers that came while
        the test waited for something else are still there to use."""
        for k, kept in enumerate(self.kept_offers):
            if kept["type"] in types:
                return self.kept_offers.pop(k)
        deadline = time.time() + timeout
        while time.time() < deadline:
            event = self.events.next()
            if event["type"] in types:
                return event
            if event["type"] == "OFFERS":
                self.kept_offers.append(event)
        raise TimeoutError(f"no {types} event")

    def call(self, call_type, body=None, stream_id=None, content_type="application/json"):
        """Sends a call on the calls connection: (status, body)."""
        call = {"framework_id": {"value": self.framework_id}, "type": call_type}
        if body is not None:
            call[call_type.lower()] = body
        headers = {"Content-Type": content_type}
        headers["Mesos-Stream-Id"] = stream_id if stream_id is not None else self.stream_id
        if stream_id == "":
            del headers["Mesos-Stream-Id"]
        self.calls.request("POST", "/api/v1/scheduler", body=json.dumps(call),
                           headers=headers)
        r = self.calls.getresponse()
        return r.status, r.read().decode()

    def launch(self, offer, task):
        """ACCEPTs `offer` with one LAUNCH of `task`: (status, body)."""
        return self.call("ACCEPT", {
            "offer_ids": [offer["id"]],
            "operations": [{"type": "LAUNCH", "launch": {"task_infos": [task]}}]})

    def await_state(self, state):
        """Acknowledges updates until one in `state`, which it returns."""
        while True:
            status = self.next_event("UPDATE")["update"]["status"]
            self.acknowledge(status)
            if status["state"] == state:
                return status

    def acknowledge(self, status):
        if "uuid" not in status:
            return
        code, body = self.call("ACKNOWLEDGE", {
            "agent_id": status["agent_id"], "task_id": status["task_id"],
            "uuid": status["uuid"]})
        assert code == 202, (code, body)

    def close(self):
        self.stream_connection.close()


def command_task(offer, task_id, command, cpus=0.1, mem=32):
    return {
        "name": task_id, "task_id": {"value": task_id},
        "agent_id": offer["agent_id"],
        "command": {"value": command},
        "resources": [
            {"name": "cpus", "type": "SCALAR", "scalar": {"value": cpus}},
            {"name": "mem", "type": "SCALAR", "scalar": {"value": mem}},
        ],
    }


def b64(raw):
    return base64.b64encode(raw).decode()


def protoc(mode, message_type, data):
    """Encodes text format to protobuf bytes ("encode"), or decodes them
    ("decode"), as `message_type` (e.g. mensa.v1.master.Call), with protoc."""
    package = message_type.rsplit(".", 1)[0]
    proto = package.replace(".", "/") + ".proto"
    return subprocess.run(
        ["protoc", f"--{mode}={message_type}", f"-I{PROTO_ROOT}", proto],
        input=data, capture_output=True, check=True).stdout


def run(case):
    """Runs test case class `case` against MENSA PROTO_ROOT from the command
    line (MENSA set on its module) and prints the summary tools/test-summary
    reads; returns the exit code."""
    global PROTO_ROOT
    module = sys.modules[case.__module__]
    module.MENSA, PROTO_ROOT = sys.argv[1], sys.argv[2]
    suite = unittest.defaultTestLoader.loadTestsFromTestCase(case)
    result = unittest.TextTestRunner(stream=sys.stdout, verbosity=2).run(suite)
    bad = len(result.failures) + len(result.errors)
    print(f"[unittest] test cases: {result.testsRun} | {max(result.testsRun - bad, 0)} passed | "
          f"{bad} failed")
    return 0 if result.wasSuccessful() else 1
