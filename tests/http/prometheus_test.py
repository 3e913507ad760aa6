#!/usr/bin/env python3
"""Metrics as a monitoring stack reads them: every node's GET /metrics passes
`promtool check metrics` (Debian's prometheus package), and a real
Prometheus server scraping `mensa local` and a separate `mensa agent` gives
a mensa metric back through its own query API.

Usage: prometheus_test.py MENSA PROTO_ROOT"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse
import urllib.request

import mesos_http

MENSA = None


def metrics_text(node):
    status, headers, body = node.request("GET", "/metrics")
    assert status == 200, (status, body)
    assert headers["Content-Type"].startswith("text/plain"), headers
    return body


def promtool_check(text):
    """promtool's verdict on a metrics text: (exit code, what it said)."""
    checked = subprocess.run(["promtool", "check", "metrics"], input=text,
                             capture_output=True, timeout=mesos_http.GENEROUS)
    return checked.returncode, (checked.stdout + checked.stderr).decode()


class Prometheus:
    """A real Prometheus server scraping `targets` (job name → host:port)
    every 200 ms, on a free port with its own storage."""

    def __init__(self, targets):
        self.port = mesos_http.free_port()
        self.dir = tempfile.mkdtemp(prefix="mensa-prometheus-test-")
        config = os.path.join(self.dir, "prometheus.yml")
        with open(config, "w") as f:
            f.write("global:\n  scrape_interval: 200ms\n  scrape_timeout: 200ms\n"
                    "scrape_configs:\n")
            for job, target in targets.items():
                f.write(f"  - job_name: {job}\n    metrics_path: /metrics\n"
                        f"    static_configs:\n      - targets: ['{target}']\n")
        self.log = open(os.path.join(self.dir, "prometheus.log"), "w")
        self.process = subprocess.Popen(
            ["prometheus", f"--config.file={config}",
             f"--storage.tsdb.path={os.path.join(self.dir, 'data')}",
             f"--web.listen-address=127.0.0.1:{self.port}"],
            stdout=self.log, stderr=subprocess.STDOUT)

    def query(self, expression):
        """The instant vector of `expression`, or None while the server is
        not up yet."""
        url = (f"http://127.0.0.1:{self.port}/api/v1/query?" +
               urllib.parse.urlencode({"query": expression}))
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                result = json.load(answer)
        except OSError:
            return None
        assert result["status"] == "success", result
        return result["data"]["result"]

    def await_value(self, expression):
        """Asks until `expression` has a sample (Prometheus scrapes on its
        own schedule; each answer is an event, not a sleep), returns its
        value."""
        deadline = time.time() + mesos_http.GENEROUS
        while time.time() < deadline:
            result = self.query(expression)
            if result:
                return float(result[0]["value"][1])
            time.sleep(0.1)
        raise TimeoutError(f"Prometheus never had {expression}:\n" + self.output())

    def output(self):
        self.log.flush()
        with open(os.path.join(self.dir, "prometheus.log")) as f:
            return f.read()

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(mesos_http.GENEROUS)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


class Metrics(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cluster = mesos_http.Cluster(MENSA)
        cls.agent = mesos_http.Node(
            MENSA, "agent", f"--master=127.0.0.1:{cls.cluster.port}",
            "--resources=cpus:1;mem:512;disk:512", ready="registered with")

    @classmethod
    def tearDownClass(cls):
        cls.agent.stop()
        cls.cluster.stop()

    def test_every_node_passes_promtool(self):
        for node in (self.cluster, self.agent):
            text = metrics_text(node)
            self.assertIn(b"# TYPE mensa_runtime_processes gauge", text)
            code, said = promtool_check(text)
            self.assertEqual(code, 0, said)
        master_text = metrics_text(self.cluster)
        self.assertIn(b"mensa_master_slaves_active 2\n", master_text)
        self.assertIn(b"# TYPE mensa_allocator_mesos_allocation_runs_total counter",
                      master_text)

    def test_promtool_rejects_what_breaks_the_conventions(self):
        # The check above could fail: promtool does reject a counter
        # without _total and an abbreviated unit.
        code, said = promtool_check(b"# HELP x_ms a\n# TYPE x_ms counter\nx_ms 1\n")
        self.assertNotEqual(code, 0)
        self.assertIn("_total", said)

    def test_prometheus_scrapes_the_cluster(self):
        prometheus = Prometheus({"mensa-local": f"127.0.0.1:{self.cluster.port}",
                                 "mensa-agent": f"127.0.0.1:{self.agent.port}"})
        try:
            self.assertEqual(prometheus.await_value("mensa_master_elected"), 1)
            self.assertEqual(prometheus.await_value("mensa_master_slaves_active"), 2)
            self.assertEqual(prometheus.await_value('up{job="mensa-agent"}'), 1)
            self.assertGreaterEqual(
                prometheus.await_value('mensa_runtime_processes{job="mensa-agent"}'), 1)
        finally:
            prometheus.stop()


if __name__ == "__main__":
    sys.exit(mesos_http.run(Metrics))
