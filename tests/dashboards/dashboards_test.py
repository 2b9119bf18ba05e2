#!/usr/bin/env python3
"""Every query of every dashboard, against a real Prometheus watching a real run.

Starts `fleetsim run observed-run.textproto` paced (--speed 10800, about 24 s
of wall time) with its metrics endpoint on a free loopback port, then the
real Prometheus server with dashboards/prometheus.yml (only its target
address and scrape interval replaced: 1s), waits until the run is complete
and Prometheus has scraped it at least MIN_SCRAPES times, and then runs
every `expr` of every target of every panel (rows' panels included) of
every dashboard in dashboards/grafana/dashboards/ through Prometheus' HTTP
API. Each must succeed and return a non-empty result as an instant query at
the end of the run, and hold at least one finite value (not NaN, not Inf)
as a range query over the run: a typo, a metric or label that does not
exist, or a quantile of a histogram that never moved fails, naming the
dashboard, the panel and the query. The template variables' queries
(label_values) must find values too.

Grafana's interval variables are unknown to Prometheus: the test writes
$__rate_interval, $__interval and $__range as 1m (60 one-second scrapes).
A dashboard variable ($deployment) becomes its allValue, or .* when it has
none, so the panels are checked with "All" selected.

Also: the dashboards' static rules (the fixed datasource uid on every panel
and target, no __inputs, unique uids, only metrics of docs/metrics.md), the
substituted configuration through `promtool check config`, and /metrics,
fetched once at the end of the run, through `promtool check metrics`, which
must print nothing; that same /metrics must hold every metric of
docs/metrics.md with every label value its tables list (the scenario has
every fault and attack kind, a halt and expectations, so all can be there). A control query with a misspelled metric must come back
empty, or the emptiness check could not fail.

Both processes run in their own process group with PR_SET_PDEATHSIG, and
are killed at the end whatever happens; the whole test is bounded (about
90 s at most; about 35 s when all goes well).
"""

import argparse
import ctypes
import glob
import json
import math
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

DATASOURCE = {"type": "prometheus", "uid": "fleetsim-prometheus"}
SPEED = "10800"                # 3 simulated days in about 24 s
LINGER_S = "60"                # the endpoint outlives the queries
SCRAPE_INTERVAL = "1s"
MIN_SCRAPES = 15
WAIT_BUDGET_S = 80             # run start to "complete and scraped"
INTERVAL_VARIABLES = ("__rate_interval", "__interval", "__range")
INTERVAL_VALUE = "1m"
# The two lines of dashboards/prometheus.yml the test replaces.
TARGET_IN_CONFIG = '"127.0.0.1:9464"'
INTERVAL_IN_CONFIG = "scrape_interval: 5s"


class TestFailure(Exception):
    pass


# ----------------------------------------------------------------- dashboards

def panels_of(dashboard):
    """Every panel, rows' nested panels included, in order."""
    for panel in dashboard.get("panels", []):
        yield panel
        for nested in panel.get("panels", []) or []:
            yield nested


def substitute(expr, variables):
    """The query as Prometheus must see it, with Grafana's variables written out."""
    def value(name):
        if name in INTERVAL_VARIABLES:
            return INTERVAL_VALUE
        if name in variables:
            return variables[name]
        raise TestFailure("unknown variable $%s in %r" % (name, expr))

    expr = re.sub(r"\$\{(\w+)(?::\w+)?\}", lambda m: value(m.group(1)), expr)
    expr = re.sub(r"\[\[(\w+)\]\]", lambda m: value(m.group(1)), expr)
    expr = re.sub(r"\$(\w+)", lambda m: value(m.group(1)), expr)
    return expr


def documented_metrics(metrics_md):
    """{metric: (type, {label: set of values, empty when the doc lists none})} from the doc's tables.

    A labels cell reads "`group`, `state`" or "`deployment`, `result`: `offered`, `succeeded`":
    names up to the one followed by a colon, the values after it.
    """
    with open(metrics_md, encoding="utf-8") as f:
        text = f.read()
    metrics = {}
    for row in re.finditer(r"^\|\s*`(fleetsim_\w+)`\s*\|\s*(\w+)\s*\|([^|]*)\|", text, re.M):
        labels, current = {}, None
        for token in re.finditer(r"`(\w+)`(\s*:)?", row.group(3)):
            if current is not None:
                labels[current].add(token.group(1))
            else:
                labels[token.group(1)] = set()
                if token.group(2):
                    current = token.group(1)
        metrics[row.group(1)] = (row.group(2), labels)
    if len(metrics) < 20:
        raise TestFailure("%s: found only %d metrics in its tables" % (metrics_md, len(metrics)))
    return metrics


def documented_base(name, documented):
    """The documented metric a series name belongs to (a histogram's _bucket...), or None."""
    if name in documented:
        return name
    for suffix in ("_bucket", "_sum", "_count"):
        base = name[: -len(suffix)]
        if name.endswith(suffix) and documented.get(base, ("",))[0] == "histogram":
            return base
    return None


def label_problems(expr, legend, documented):
    """Labels the query names that none of its metrics has, and documented values misspelled."""
    allowed = {"job", "instance"}
    values = {}
    for metric in re.findall(r"\bfleetsim_\w+", expr):
        base = documented_base(metric, documented)
        if base is None:
            continue
        kind, labels = documented[base]
        allowed |= set(labels)
        if kind == "histogram":
            allowed.add("le")
        for label, vals in labels.items():
            values.setdefault(label, set()).update(vals)
    used = []
    for group in re.findall(r"\b(?:by|without)\s*\(([^)]*)\)", expr):
        used += [l.strip() for l in group.split(",") if l.strip()]
    matchers = re.findall(r'(\w+)\s*(=~|!~|!=|=)\s*"([^"]*)"', expr)
    used += [m[0] for m in matchers]
    used += re.findall(r"\{\{\s*(\w+)\s*\}\}", legend or "")
    problems = ["label %s: none of its metrics has it" % l for l in sorted(set(used) - allowed)]
    for label, op, value in matchers:
        if values.get(label) and op in ("=", "=~") and re.fullmatch(r"\w+(\|\w+)*", value):
            problems += ['%s%s"%s": %s is not a documented value' % (label, op, value, v)
                         for v in value.split("|") if v not in values[label]]
    return problems


def load_dashboards(folder, documented):
    """Checks the static rules; returns (queries, variable queries).

    queries: (dashboard file, panel title, refId, raw expr, expr for Prometheus, legend).
    """
    files = sorted(glob.glob(os.path.join(folder, "*.json")))
    expected = {"fleet-overview.json", "rollout.json", "security.json", "chaos.json", "engine.json"}
    missing = expected - {os.path.basename(f) for f in files}
    if missing:
        raise TestFailure("dashboards missing: %s" % ", ".join(sorted(missing)))
    problems, queries, variable_queries, uids = [], [], [], {}
    for path in files:
        name = os.path.basename(path)
        with open(path, encoding="utf-8") as f:
            try:
                dash = json.load(f)
            except json.JSONDecodeError as e:
                problems.append("%s: not JSON: %s" % (name, e))
                continue
        if "__inputs" in dash:
            problems.append("%s: has __inputs (the datasource uid is fixed)" % name)
        uid = dash.get("uid")
        if not uid:
            problems.append("%s: no uid" % name)
        elif uid in uids:
            problems.append("%s: uid %s already used by %s" % (name, uid, uids[uid]))
        else:
            uids[uid] = name
        variables = {}
        for var in dash.get("templating", {}).get("list", []):
            if var.get("type") == "query":
                if var.get("datasource") != DATASOURCE:
                    problems.append("%s: variable $%s: datasource is not %s" % (name, var.get("name"), DATASOURCE))
                query = var.get("query")
                if isinstance(query, dict):
                    query = query.get("query")
                variable_queries.append((name, var.get("name"), query))
            variables[var["name"]] = var.get("allValue") or ".*"
        ids = set()
        for panel in panels_of(dash):
            title = panel.get("title", "?")
            where = '%s: panel "%s"' % (name, title)
            if panel.get("id") in ids:
                problems.append("%s: id %s used twice" % (where, panel.get("id")))
            ids.add(panel.get("id"))
            if panel.get("datasource") != DATASOURCE:
                problems.append("%s: datasource is %s, not %s" % (where, panel.get("datasource"), DATASOURCE))
            if panel.get("type") in ("row", "text"):
                continue
            targets = panel.get("targets") or []
            if not targets:
                problems.append("%s: no query" % where)
            refs = set()
            for target in targets:
                ref = target.get("refId")
                if ref in refs:
                    problems.append("%s: refId %s used twice" % (where, ref))
                refs.add(ref)
                if target.get("datasource") != DATASOURCE:
                    problems.append("%s, query %s: datasource is %s, not %s" % (where, ref, target.get("datasource"), DATASOURCE))
                expr = target.get("expr", "").strip()
                if not expr:
                    problems.append("%s, query %s: no expr" % (where, ref))
                    continue
                for metric in re.findall(r"\bfleetsim_\w+", expr):
                    if documented_base(metric, documented) is None:
                        problems.append("%s, query %s: %s is not in docs/metrics.md" % (where, ref, metric))
                problems += ["%s, query %s: %s" % (where, ref, p)
                             for p in label_problems(expr, target.get("legendFormat"), documented)]
                try:
                    queries.append((name, title, ref, expr, substitute(expr, variables), target.get("legendFormat")))
                except TestFailure as e:
                    problems.append("%s, query %s: %s" % (where, ref, e))
    if problems:
        raise TestFailure("the dashboards break their rules:\n  " + "\n  ".join(problems))
    return queries, variable_queries


def catalogue_problems(exposition, documented):
    """docs/metrics.md against /metrics at the end of the run: every metric has a
    series, and every label value the doc lists is there."""
    seen = {}
    for line in exposition.splitlines():
        m = re.match(r"(\w+)(?:\{(.*)\})?\s", line)
        if not m or line.startswith("#"):
            continue
        labels = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(2) or ""))
        base = documented_base(m.group(1), documented) or m.group(1)
        for label, value in labels.items():
            seen.setdefault(base, {}).setdefault(label, set()).add(value)
        seen.setdefault(base, {})
    problems = []
    for metric, (_, labels) in sorted(documented.items()):
        if metric not in seen:
            problems.append("%s: no series in /metrics" % metric)
            continue
        for label, values in sorted(labels.items()):
            missing = sorted(values - seen[metric].get(label, set()))
            if missing:
                problems.append("%s: no series with %s" % (metric, ", ".join('%s="%s"' % (label, v) for v in missing)))
    return problems


# ------------------------------------------------------------------ processes

def die_with_parent():
    """In the child: SIGKILL when the test dies, even by SIGKILL (ctest's timeout)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Process:
    def __init__(self, name, argv, log_path):
        self.name, self.argv, self.log_path = name, argv, log_path
        self.log = open(log_path, "wb")
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True, preexec_fn=die_with_parent)

    def running(self):
        return self.proc.poll() is None

    def stop(self):
        if self.running():
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=5)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
        if self.running():
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(timeout=5)
        self.log.close()

    def tail(self, lines=15):
        try:
            with open(self.log_path, "rb") as f:
                text = f.read().decode("utf-8", "replace").splitlines()
        except OSError:
            return ""
        body = "\n".join("    " + line for line in text[-lines:])
        return "  last lines of %s (%s):\n%s" % (self.name, " ".join(self.argv), body)


def http_get(url, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.status, response.read()


def wait_for(what, check, deadline, process):
    while time.monotonic() < deadline:
        if not process.running():
            raise TestFailure("%s exited (status %s) before %s" % (process.name, process.proc.returncode, what))
        try:
            if check():
                return
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        time.sleep(0.25)
    raise TestFailure("timed out waiting for %s" % what)


# ----------------------------------------------------------------- prometheus

class PrometheusApi:
    def __init__(self, base):
        self.base = base

    def get(self, path, **params):
        url = self.base + path + "?" + urllib.parse.urlencode(params, doseq=True)
        try:
            _, body = http_get(url, timeout=10)
        except urllib.error.HTTPError as e:
            body = e.read()
        reply = json.loads(body)
        if reply.get("status") != "success":
            raise TestFailure("%s: %s: %s" % (params.get("query", path), reply.get("errorType"), reply.get("error")))
        return reply["data"]

    def instant(self, query):
        return self.get("/api/v1/query", query=query)

    def scalar(self, query):
        """The query's only value, or None when it has none."""
        data = self.instant(query)
        if data["resultType"] == "scalar":
            return float(data["result"][1])
        if data["resultType"] == "vector" and data["result"]:
            return float(data["result"][0]["value"][1])
        return None


def finite(value):
    return not (math.isnan(value) or math.isinf(value))


def check_query(api, query, start, end, legend=None):
    """None when the query returns data, else what is wrong."""
    try:
        data = api.instant(query)
    except TestFailure as e:
        return "refused: %s" % e
    if data["resultType"] in ("vector", "matrix") and not data["result"]:
        return "no data at the end of the run (empty result)"
    for label in re.findall(r"\{\{\s*(\w+)\s*\}\}", legend or ""):
        if data["resultType"] == "vector" and any(label not in r["metric"] for r in data["result"]):
            return "the legend's {{%s}} is not a label of the result: %s" % (
                label, ", ".join(json.dumps(r["metric"]) for r in data["result"][:3]))
    try:
        ranged = api.get("/api/v1/query_range", query=query, start="%.3f" % start, end="%.3f" % end, step="1")
    except TestFailure as e:
        return "refused as a range query: %s" % e
    values = [float(v) for series in ranged["result"] for _, v in series["values"]]
    if not any(finite(v) for v in values):
        return "no finite value over the run (%d values, all NaN or Inf)" % len(values)
    return None


def check_variable(api, query, start, end):
    m = re.fullmatch(r"\s*label_values\(\s*(?:(.+?)\s*,\s*)?(\w+)\s*\)\s*", query or "")
    if not m:
        return "not a label_values() query the test knows: %r" % query
    selector, label = m.group(1), m.group(2)
    if selector:
        series = api.get("/api/v1/series", **{"match[]": selector, "start": "%.3f" % start, "end": "%.3f" % end})
        values = {s[label] for s in series if label in s}
    else:
        values = set(api.get("/api/v1/label/%s/values" % label))
    return None if values else "no values"


# ----------------------------------------------------------------------- main

def run(args):
    begun = time.monotonic()
    documented = documented_metrics(os.path.join(args.source_dir, "docs", "metrics.md"))
    queries, variable_queries = load_dashboards(os.path.join(args.source_dir, "dashboards", "grafana", "dashboards"),
                                                documented)
    print("dashboards: %d queries in %d panels of %d dashboards, %d variable queries" % (
        len(queries), len({(q[0], q[1]) for q in queries}), len({q[0] for q in queries}), len(variable_queries)))

    with open(os.path.join(args.source_dir, "dashboards", "prometheus.yml"), encoding="utf-8") as f:
        config = f.read()
    for needle in (TARGET_IN_CONFIG, INTERVAL_IN_CONFIG):
        if config.count(needle) != 1:
            raise TestFailure("dashboards/prometheus.yml: expected %s exactly once, found it %d times" % (
                needle, config.count(needle)))

    processes = []
    with tempfile.TemporaryDirectory(prefix="fleetsim-dashboards-") as tmp:
        try:
            # fleetsim first: the config needs its port.
            fleetsim = None
            for _ in range(3):  # a port taken between free_port() and the bind: try another
                metrics_port = free_port()
                fleetsim = Process("fleetsim", [args.fleetsim, "run", args.scenario, "--speed", SPEED,
                                                "--metrics-addr", "127.0.0.1:%d" % metrics_port,
                                                "--metrics-linger", LINGER_S, "--quiet"],
                                   os.path.join(tmp, "fleetsim.log"))
                processes.append(fleetsim)
                try:
                    wait_for("fleetsim's /metrics", lambda: http_get("http://127.0.0.1:%d/metrics" % metrics_port)[0] == 200,
                             time.monotonic() + 15, fleetsim)
                    break
                except TestFailure:
                    if fleetsim.running():
                        raise
                    fleetsim = None
            if fleetsim is None:
                raise TestFailure("fleetsim did not start serving /metrics")
            run_started = time.monotonic()

            config_path = os.path.join(tmp, "prometheus.yml")
            with open(config_path, "w", encoding="utf-8") as f:
                f.write(config.replace(TARGET_IN_CONFIG, '"127.0.0.1:%d"' % metrics_port)
                              .replace(INTERVAL_IN_CONFIG, "scrape_interval: %s" % SCRAPE_INTERVAL))
            checked = subprocess.run([args.promtool, "check", "config", config_path], capture_output=True, text=True,
                                     timeout=30)
            if checked.returncode != 0:
                raise TestFailure("promtool check config:\n%s%s" % (checked.stdout, checked.stderr))

            prometheus = None
            for attempt in range(3):
                prometheus_port = free_port()
                prometheus = Process("prometheus", [args.prometheus, "--config.file=" + config_path,
                                                    "--storage.tsdb.path=" + os.path.join(tmp, "tsdb-%d" % attempt),
                                                    "--web.listen-address=127.0.0.1:%d" % prometheus_port],
                                     os.path.join(tmp, "prometheus-%d.log" % attempt))
                processes.append(prometheus)
                try:
                    wait_for("Prometheus ready", lambda: http_get("http://127.0.0.1:%d/-/ready" % prometheus_port)[0] == 200,
                             time.monotonic() + 20, prometheus)
                    break
                except TestFailure:
                    if prometheus.running():
                        raise
                    prometheus = None
            if prometheus is None:
                raise TestFailure("Prometheus did not start")
            api = PrometheusApi("http://127.0.0.1:%d" % prometheus_port)
            start = time.time()

            # The run complete and scraped: MIN_SCRAPES good scrapes, and two
            # more after the first that saw the end.
            deadline = run_started + WAIT_BUDGET_S
            scrapes_q = 'sum(sum_over_time(up{job="fleetsim"}[10m]))'
            scrapes_at_end = None
            while True:
                if time.monotonic() > deadline:
                    raise TestFailure("timed out: %s good scrapes, run complete: %s" % (
                        api.scalar(scrapes_q), api.scalar("max(fleetsim_run_complete)")))
                if not fleetsim.running():
                    raise TestFailure("fleetsim exited (status %s) before the queries" % fleetsim.proc.returncode)
                if not prometheus.running():
                    raise TestFailure("Prometheus exited (status %s)" % prometheus.proc.returncode)
                scrapes = api.scalar(scrapes_q) or 0
                if scrapes_at_end is None and api.scalar("max(fleetsim_run_complete)") == 1:
                    scrapes_at_end = scrapes
                if scrapes_at_end is not None and scrapes >= max(MIN_SCRAPES, scrapes_at_end + 2):
                    break
                time.sleep(0.5)
            end = time.time()
            print("run complete after %.1f s of wall time, %d scrapes" % (time.monotonic() - run_started, scrapes))

            # promtool check metrics reads the exposition on stdin and prints
            # each problem; it must print nothing.
            _, exposition = http_get("http://127.0.0.1:%d/metrics" % metrics_port)
            linted = subprocess.run([args.promtool, "check", "metrics"], input=exposition, capture_output=True,
                                    timeout=30)
            lint = (linted.stdout + linted.stderr).decode("utf-8", "replace").strip()
            failures = []
            if linted.returncode != 0 or lint:
                failures.append("promtool check metrics on /metrics (status %d):\n    %s" % (
                    linted.returncode, lint.replace("\n", "\n    ")))

            failures += ["docs/metrics.md promises what /metrics lacks: %s" % p
                         for p in catalogue_problems(exposition.decode("utf-8", "replace"), documented)]

            for dash, title, ref, raw, query, legend in queries:
                problem = check_query(api, query, start, end, legend)
                if problem:
                    failures.append('%s: panel "%s", query %s: %s\n    %s' % (dash, title, ref, problem, raw))
            for dash, name, query in variable_queries:
                problem = check_variable(api, query, start, end)
                if problem:
                    failures.append("%s: variable $%s: %s\n    %s" % (dash, name, problem, query))

            # The control: the same check on a misspelled metric must fail.
            control = re.sub(r"\bfleetsim_(\w+)", r"fleetsim_\1_misspelled", queries[0][4], count=1)
            if check_query(api, control, start, end) is None:
                failures.append("control query %r returned data: the check cannot fail" % control)

            if failures:
                raise TestFailure("%d of %d checks failed:\n%s" % (
                    len(failures), len(queries) + len(variable_queries) + 3, "\n".join(failures)))
            print("ok: all %d queries and %d variable queries returned data; promtool check metrics printed nothing; "
                  "%.1f s" % (len(queries), len(variable_queries), time.monotonic() - begun))
        except TestFailure:
            for p in processes:
                print(p.tail(), file=sys.stderr)
            raise
        finally:
            for p in processes:
                p.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fleetsim", required=True)
    parser.add_argument("--prometheus", required=True)
    parser.add_argument("--promtool", required=True)
    parser.add_argument("--source-dir", required=True, help="the repository's root")
    parser.add_argument("--scenario", help="default: observed-run.textproto beside this file")
    args = parser.parse_args()
    if not args.scenario:
        args.scenario = os.path.join(os.path.dirname(os.path.abspath(__file__)), "observed-run.textproto")
    # ctest's timeout or a Ctrl-C: leave through the finally blocks, which stop
    # both processes (PR_SET_PDEATHSIG covers a SIGKILL).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        run(args)
    except TestFailure as e:
        print("FAIL: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
