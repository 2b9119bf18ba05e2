// `fleetsim run --html` end to end: the real binary writes the page, headless
// Chromium (Debian's `chromium`) runs its script, and the DOM it dumps must
// hold every chart drawn from the run's data and the expectations table of
// the JSON report, row for row. A script that throws, or draws nothing,
// fails here.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "html_report.hpp"
#include "run_fixture.hpp"

namespace {

using namespace std::chrono_literals;
using fleet::cli::testing::read_file;
using json = nlohmann::json;

const std::string data = FLEET_CLI_TEST_DATA;
const std::string chromium_binary = "/usr/bin/chromium";

/// Runs `argv` with stdout and stderr into files; its exit code, or -1 if it
/// was still running after `limit` (then it is killed) or died of a signal.
int run_program(const std::vector<std::string>& argv_text, const std::string& out_path, const std::string& err_path,
                std::chrono::seconds limit) {
  std::vector<std::string> args = argv_text;
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);  // its own group: a timeout kills the browser's helpers too
    const int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(out, STDOUT_FILENO);
    ::dup2(err, STDERR_FILENO);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  int status = 0;
  for (auto end = std::chrono::steady_clock::now() + limit; std::chrono::steady_clock::now() < end;) {
    if (::waitpid(pid, &status, WNOHANG) == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::this_thread::sleep_for(20ms);
  }
  ::kill(-pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  return -1;
}

/// HTML's escapes in text, back to characters (the ones a serialized DOM uses).
std::string unescape(std::string text) {
  static const std::vector<std::pair<std::string, std::string>> entities = {
      {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&nbsp;", "\xc2\xa0"}, {"&amp;", "&"}};
  for (const auto& [entity, character] : entities) {
    for (std::size_t at = text.find(entity); at != std::string::npos; at = text.find(entity, at + character.size())) {
      text.replace(at, entity.size(), character);
    }
  }
  return text;
}

/// The element with this id, from its opening tag to its closing `</tag>`
/// (charts and tables do not nest in themselves); empty if there is none.
std::string element_by_id(const std::string& dom, const std::string& tag, const std::string& id) {
  const std::size_t at = dom.find("id=\"" + id + "\"");
  if (at == std::string::npos) return {};
  const std::size_t open = dom.rfind("<" + tag, at);
  const std::size_t close = dom.find("</" + tag + ">", at);
  if (open == std::string::npos || close == std::string::npos) return {};
  return dom.substr(open, close + tag.size() + 3 - open);
}

// Plain scans, not std::regex: libstdc++'s regex recurses once a character,
// and a chart's path of a few thousand points overflowed the stack.

std::string attribute(const std::string& tag, const std::string& name) {
  for (std::size_t at = tag.find(name + "=\""); at != std::string::npos; at = tag.find(name + "=\"", at + 1)) {
    if (at == 0 || !std::isspace(static_cast<unsigned char>(tag[at - 1]))) continue;  // "data-x" is not "x"
    const std::size_t from = at + name.size() + 2;
    const std::size_t to = tag.find('"', from);
    return to == std::string::npos ? std::string() : tag.substr(from, to - from);
  }
  return {};
}

/// The opening tags of the marks of this kind (class "mark KIND ...") in `svg`.
std::vector<std::string> marks(const std::string& svg, const std::string& kind) {
  std::vector<std::string> found;
  for (std::size_t at = svg.find('<'); at != std::string::npos; at = svg.find('<', at + 1)) {
    bool shape = false;
    for (const char* name : {"path", "rect", "circle"}) {
      const std::size_t n = std::strlen(name);
      shape |= svg.compare(at + 1, n, name) == 0 && at + 1 + n < svg.size() &&
               std::isspace(static_cast<unsigned char>(svg[at + 1 + n]));
    }
    if (!shape) continue;
    const std::size_t end = svg.find('>', at);
    if (end == std::string::npos) break;
    const std::string tag = svg.substr(at, end + 1 - at);
    const std::string classes = " " + attribute(tag, "class") + " ";
    if (classes.find(" mark ") != std::string::npos && classes.find(" " + kind + " ") != std::string::npos) {
      found.push_back(tag);
    }
  }
  return found;
}

/// Why a mark draws nothing visible, or empty when it has real geometry:
/// finite numbers, a path spanning more than a point, a rect with an area.
std::string empty_geometry(const std::string& tag) {
  auto number = [](const std::string& text) {
    char* end = nullptr;
    const double x = std::strtod(text.c_str(), &end);
    return (!text.empty() && *end == '\0' && std::isfinite(x)) ? x : std::nan("");
  };
  if (tag.rfind("<rect", 0) == 0) {
    const double w = number(attribute(tag, "width")), h = number(attribute(tag, "height"));
    return w > 0 && h > 0 ? "" : "rect without an area: " + tag;
  }
  if (tag.rfind("<circle", 0) == 0) {
    const double r = number(attribute(tag, "r"));
    const bool placed = std::isfinite(number(attribute(tag, "cx"))) && std::isfinite(number(attribute(tag, "cy")));
    return r > 0 && placed ? "" : "circle not drawn: " + tag;
  }
  // M x,y then L or M x,y at least once, and an optional Z: nothing else.
  std::string d = attribute(tag, "d");
  if (!d.empty() && d.back() == 'Z') d.pop_back();
  if (d.empty() || d[0] != 'M') return "path without a line: " + tag;
  std::vector<double> xs, ys;
  for (std::size_t at = 0; at < d.size();) {
    if (d[at] != 'M' && d[at] != 'L') return "path with something else than lines: " + tag;
    std::size_t next = d.find_first_of("ML", at + 1);
    if (next == std::string::npos) next = d.size();
    const std::string point = d.substr(at + 1, next - at - 1);
    const std::size_t comma = point.find(',');
    if (comma == std::string::npos) return "path with a bad point: " + tag;
    xs.push_back(number(point.substr(0, comma)));
    ys.push_back(number(point.substr(comma + 1)));
    at = next;
  }
  if (xs.size() < 2) return "path without a line: " + tag;
  for (const double v : xs) if (!std::isfinite(v)) return "path with a bad number: " + tag;
  for (const double v : ys) if (!std::isfinite(v)) return "path with a bad number: " + tag;
  const auto [x_min, x_max] = std::minmax_element(xs.begin(), xs.end());
  const auto [y_min, y_max] = std::minmax_element(ys.begin(), ys.end());
  return (*x_max - *x_min) + (*y_max - *y_min) > 0 ? "" : "path of a single point: " + tag;
}

/// Expects `count` marks of `kind` in `svg`, each with geometry.
void expect_drawn(const std::string& svg, const std::string& kind, std::size_t count) {
  const std::vector<std::string> found = marks(svg, kind);
  EXPECT_EQ(found.size(), count) << kind << " marks in " << svg.substr(0, 300);
  for (const std::string& tag : found) EXPECT_EQ(empty_geometry(tag), "");
}

/// A count as the page writes it (toLocaleString('en-US')): 12,345.
std::string with_commas(std::uint64_t n) {
  std::string digits = std::to_string(n);
  for (int at = static_cast<int>(digits.size()) - 3; at > 0; at -= 3) digits.insert(static_cast<std::size_t>(at), ",");
  return digits;
}

std::set<std::string> keys_over_timeline(const json& report, const std::string& field) {
  std::set<std::string> keys;
  for (const json& point : report["timeline"]) {
    for (const auto& [key, devices] : point[field].items()) keys.insert(key);
  }
  return keys;
}

/// The text of each cell of each row of the table's body.
std::vector<std::vector<std::string>> body_cells(const std::string& table) {
  std::vector<std::vector<std::string>> rows;
  const std::size_t body = table.find("<tbody");
  if (body == std::string::npos) return rows;
  const std::string tbody = table.substr(body);
  const std::regex row("<tr[^>]*>([\\s\\S]*?)</tr>"), cell("<td[^>]*>([\\s\\S]*?)</td>");
  for (auto r = std::sregex_iterator(tbody.begin(), tbody.end(), row); r != std::sregex_iterator(); ++r) {
    const std::string cells_text = (*r)[1];
    std::vector<std::string> cells;
    for (auto c = std::sregex_iterator(cells_text.begin(), cells_text.end(), cell); c != std::sregex_iterator(); ++c) {
      cells.push_back(unescape((*c)[1]));
    }
    rows.push_back(std::move(cells));
  }
  return rows;
}

struct table_row {
  std::string name, verdict, detail;
};

std::vector<table_row> rows_of(const std::string& table) {
  std::vector<table_row> rows;
  for (const std::vector<std::string>& cells : body_cells(table)) {
    if (cells.size() == 3) rows.push_back({cells[0], cells[1], cells[2]});
    else rows.push_back({"(a row of " + std::to_string(cells.size()) + " cells)", "", ""});
  }
  return rows;
}

/// A script the page does not have, run after its own: it measures every
/// label of every chart against the chart's viewBox (getBBox, laid out by
/// the browser with its fonts) and every card, table frame and the page
/// against their width, and writes what sticks out onto <body>. A probe
/// label placed half outside a chart must be caught, or the measuring
/// itself is broken (no layout, no fonts).
const char* const label_check = R"(<script>
(function () {
  function outside(svg) {
    const box = svg.viewBox.baseVal, found = [];
    for (const t of svg.querySelectorAll('text')) {
      const b = t.getBBox();
      if (b.x < box.x - 0.5 || b.y < box.y - 0.5 || b.x + b.width > box.x + box.width + 0.5 ||
          b.y + b.height > box.y + box.height + 0.5) {
        found.push(`${svg.id}: "${t.textContent}" at ${Math.round(b.x)},${Math.round(b.y)} ${Math.round(b.width)}x${Math.round(b.height)}`);
      }
    }
    return found;
  }
  const charts = [...document.querySelectorAll('svg.chart')];
  const labels = charts.reduce((n, svg) => n + svg.querySelectorAll('text').length, 0);
  const cut = charts.flatMap(outside);
  const wide = [...document.querySelectorAll('.card, .table-frame')]
    .filter((e) => e.scrollWidth > e.clientWidth + 1).map((e) => `${e.id || e.className}: ${e.scrollWidth} px in ${e.clientWidth}`);
  if (document.documentElement.scrollWidth > window.innerWidth) {
    wide.push(`page: ${document.documentElement.scrollWidth} px in ${window.innerWidth}`);
  }
  const probe = charts[0].cloneNode(false);
  probe.id = 'probe';
  document.body.append(probe);
  const text = document.createElementNS(probe.namespaceURI, 'text');
  text.setAttribute('x', '-30');
  text.setAttribute('y', '50');
  text.textContent = 'half outside';
  probe.append(text);
  const caught = outside(probe).length === 1;
  probe.remove();
  document.body.setAttribute('data-labels', String(labels));
  document.body.setAttribute('data-labels-cut', cut.join(' | '));
  document.body.setAttribute('data-too-wide', wide.join(' | '));
  document.body.setAttribute('data-probe-caught', caught ? 'yes' : 'no');
})();
</script>
)";

/// `page` with label_check run after its own script.
std::string with_label_check(std::string page) {
  const std::size_t end = page.rfind("</body>");
  if (end != std::string::npos) page.insert(end, label_check);
  return page;
}

class html_report_browser : public fleet::cli::testing::in_temporary_directory {
 protected:
  /// fleetsim run on `scenario` with --report and --html; its exit code.
  int run_fleetsim(const std::string& scenario) {
    return run_program({FLEETSIM_BINARY, "run", scenario, "--quiet", "--threads", "2", "--report", path("r.json"),
                        "--html", path("r.html")},
                       path("fleetsim.out"), path("fleetsim.err"), 60s);
  }

  /// data/FILE.textproto, its scenario named `name` instead of `old_name`
  /// (a name that needs no escaping in the text format), as evil.textproto;
  /// false if the file has no such name line.
  bool write_renamed(const std::string& file, const std::string& old_name, const std::string& name) {
    std::string scenario = read_file(data + "/" + file + ".textproto");
    const std::string name_line = "name: \"" + old_name + "\"";
    const std::size_t at = scenario.find(name_line);
    if (at == std::string::npos) return false;
    scenario.replace(at, name_line.size(), "name: \"" + name + "\"");
    std::ofstream(path("evil.textproto")) << scenario;
    return true;
  }

  /// What headless Chromium drew from `page`: the serialized DOM once its
  /// scripts ran, from <body> on (the scripts' own text excluded, so that a
  /// string in them cannot pass for drawn content); empty on failure.
  std::string dom_of(const std::string& page) {
    // --headless is the new headless mode in Chromium >= 132 (Debian's is newer);
    // --no-sandbox: tests may run as root, where the sandbox refuses to start.
    // A desktop window: the page's widest card is 1,100 px (html_report.css).
    const int code = run_program({"/usr/bin/timeout", "60", chromium_binary, "--headless", "--no-sandbox",
                                  "--disable-gpu", "--no-first-run", "--user-data-dir=" + path("chromium-profile"),
                                  "--window-size=1280,1000", "--dump-dom", "file://" + page},
                                 path("dom.html"), path("chromium.err"), 90s);
    EXPECT_EQ(code, 0) << read_file(path("chromium.err"));
    const std::string dom = read_file(path("dom.html"));
    const std::size_t body = dom.find("<body"), scripts = dom.find("<script", body);
    if (body == std::string::npos || scripts == std::string::npos) return {};
    return dom.substr(body, scripts - body);
  }
};

TEST_F(html_report_browser, chromium_draws_every_chart_and_the_expectations_of_the_json_report) {
  if (!std::filesystem::exists(chromium_binary)) {
    GTEST_SKIP() << chromium_binary << " is missing (Debian package chromium; scripts/setup.sh installs it)";
  }
  // tiny_chaos: a rollout, three faults, an attack, and a failing expectation (exit 1).
  ASSERT_EQ(run_fleetsim(data + "/tiny_chaos.textproto"), 1) << read_file(path("fleetsim.err"));
  EXPECT_NE(read_file(path("fleetsim.err")).find("; HTML report written to " + path("r.html")), std::string::npos)
      << read_file(path("fleetsim.err"));
  const json report = json::parse(read_file(path("r.json")));
  { std::ofstream(path("checked.html")) << with_label_check(read_file(path("r.html"))); }
  const std::string dom = dom_of(path("checked.html"));
  ASSERT_NE(dom.find("data-rendered=\"yes\""), std::string::npos) << dom.substr(0, 4000);
  EXPECT_EQ(dom.find("data-render-error="), std::string::npos);
  // No label cut off, no card or table wider than the page lets it be.
  const std::string body = dom.substr(0, dom.find('>'));
  EXPECT_EQ(attribute(body, "data-probe-caught"), "yes") << body;
  EXPECT_GT(std::atoi(attribute(body, "data-labels").c_str()), 50) << body;  // every chart's ticks
  EXPECT_EQ(attribute(body, "data-labels-cut"), "") << body;
  EXPECT_EQ(attribute(body, "data-too-wide"), "") << body;

  const std::string adoption = element_by_id(dom, "svg", "chart-adoption");
  const std::set<std::string> versions = keys_over_timeline(report, "app_versions");
  ASSERT_GE(versions.size(), 2u);  // 1.0.0 and 1.1.0 at least
  expect_drawn(adoption, "area", versions.size());
  for (const std::string& v : versions) EXPECT_NE(adoption.find("data-key=\"" + v + "\""), std::string::npos) << v;

  const std::string states = element_by_id(dom, "svg", "chart-states");
  const std::set<std::string> state_names = keys_over_timeline(report, "states");
  ASSERT_GE(state_names.size(), 2u);  // off at the start, attested later
  expect_drawn(states, "area", state_names.size());

  const std::string rollout = element_by_id(dom, "svg", "chart-rollout");
  ASSERT_EQ(report["deployments"].size(), 1u);
  const std::size_t transitions = report["deployments"][0]["transitions"].size();
  ASSERT_GE(transitions, 2u);  // started, wave 2 opened, ...
  expect_drawn(rollout, "transition", transitions);
  expect_drawn(rollout, "step", transitions + 1);  // before the first change, and after each

  const std::string events = element_by_id(dom, "svg", "chart-events");
  ASSERT_EQ(report["faults"].size(), 3u);
  ASSERT_EQ(report["attacks"].size(), 1u);
  expect_drawn(events, "event", 4);
  EXPECT_EQ(marks(events, "instant").size(), 3u);  // the power cut, the torn write and the attack's one burst
  // A torn write counts where a write tore, not where it was armed (issue 18).
  const json& torn = report["faults"][2];
  ASSERT_GT(torn["armed"].get<std::uint64_t>(), 0u);
  const std::string faults = element_by_id(dom, "table", "faults");
  // The outage shows the requests it dropped, not "0 devices hit".
  ASSERT_EQ(report["faults"][0]["kind"], "cloud_outage");
  const std::uint64_t dropped = report["faults"][0]["requests_dropped"].get<std::uint64_t>();
  EXPECT_GT(dropped, 0u);
  EXPECT_NE(faults.find("<td class=\"number\">" + with_commas(dropped) + "</td>"), std::string::npos) << faults;
  EXPECT_NE(events.find(with_commas(dropped) + " requests dropped"), std::string::npos);
  EXPECT_NE(faults.find(torn["armed"].dump() + " armed for a torn write, " + torn["writes_torn"].dump() + " tore"),
            std::string::npos)
      << faults;
  // Which check stopped the attack, and whether its victims kept their certificates.
  const std::string attacks = element_by_id(dom, "table", "attacks");
  EXPECT_NE(attacks.find("proof_invalid 5"), std::string::npos) << attacks;
  EXPECT_NE(attacks.find("5 of 5"), std::string::npos) << attacks;

  // Requests over time: an area per kind that had requests, with its total.
  const json& throughput = report["throughput"];
  std::map<std::string, std::uint64_t> by_kind, not_ok;
  for (const json& series : throughput["series"]) {
    by_kind[series["kind"].get<std::string>()] += series["total"].get<std::uint64_t>();
    if (series["answer"] != "ok") not_ok[series["answer"].get<std::string>()] += series["total"].get<std::uint64_t>();
  }
  ASSERT_GE(by_kind.size(), 5u);  // challenge, evidence, update check, chunk, update result, telemetry
  const std::string requests = element_by_id(dom, "svg", "chart-requests");
  expect_drawn(requests, "area", by_kind.size());
  for (const auto& [kind, total] : by_kind) {
    EXPECT_NE(requests.find("data-key=\"" + kind + "\""), std::string::npos) << kind;
    std::string label = kind;
    std::replace(label.begin(), label.end(), '_', ' ');
    EXPECT_NE(dom.find(label + ": " + with_commas(total) + "<"), std::string::npos) << label;
  }
  // Errors over time: the attack's refusals and the outage's drops, each an area.
  EXPECT_EQ(not_ok, (std::map<std::string, std::uint64_t>{
                        {"dropped", throughput["by_answer"]["dropped"].get<std::uint64_t>()},
                        {"error", throughput["by_answer"]["error"].get<std::uint64_t>()}}));
  ASSERT_GT(throughput["by_answer"]["error"].get<std::uint64_t>(), 0u);
  ASSERT_GT(throughput["by_answer"]["dropped"].get<std::uint64_t>(), 0u);
  const std::string errors = element_by_id(dom, "svg", "chart-errors");
  expect_drawn(errors, "area", 2);
  EXPECT_NE(errors.find("data-key=\"error\""), std::string::npos);
  EXPECT_NE(errors.find("data-key=\"dropped\""), std::string::npos);
  EXPECT_NE(dom.find("refused (an Error reply): " + with_commas(throughput["by_answer"]["error"].get<std::uint64_t>()) + "<"),
            std::string::npos);
  EXPECT_NE(dom.find("dropped by an outage: " + with_commas(throughput["by_answer"]["dropped"].get<std::uint64_t>()) + "<"),
            std::string::npos);
  // Attestation latency: a line for each percentile.
  const std::string latency = element_by_id(dom, "svg", "chart-latency");
  expect_drawn(latency, "line", 3);
  for (const char* p : {"p50", "p95", "p99"}) {
    EXPECT_NE(latency.find("data-key=\"" + std::string(p) + "\""), std::string::npos) << p;
  }
  // By group and hardware revision: a row per cell of the JSON, in its order.
  const json& cells = report["by_group_and_revision"];
  ASSERT_EQ(cells.size(), 4u);  // Field Test and Production, each on revisions A and B
  const auto breakdown = body_cells(element_by_id(dom, "table", "by-group-revision"));
  ASSERT_EQ(breakdown.size(), cells.size());
  for (std::size_t i = 0; i < cells.size(); ++i) {
    SCOPED_TRACE("breakdown row " + std::to_string(i));
    ASSERT_EQ(breakdown[i].size(), 14u);
    EXPECT_EQ(breakdown[i][0], cells[i]["group"].get<std::string>());
    EXPECT_EQ(breakdown[i][1], cells[i]["revision"].get<std::string>());
    EXPECT_EQ(breakdown[i][2], with_commas(cells[i]["devices"].get<std::uint64_t>()));
    EXPECT_EQ(breakdown[i][3], with_commas(cells[i]["requests"].get<std::uint64_t>()));
    EXPECT_EQ(breakdown[i][4], with_commas(cells[i]["errors"].get<std::uint64_t>()));
    EXPECT_EQ(breakdown[i][5], with_commas(cells[i]["dropped"].get<std::uint64_t>()));
    EXPECT_EQ(breakdown[i][6], with_commas(cells[i]["attestations"].get<std::uint64_t>()));
    EXPECT_NE(breakdown[i][8].find("ms"), std::string::npos) << breakdown[i][8];  // p50, in milliseconds here
    EXPECT_EQ(breakdown[i][11], with_commas(cells[i]["updates_committed"].get<std::uint64_t>()));
  }

  const std::vector<table_row> rows = rows_of(element_by_id(dom, "table", "expectations"));
  const json& expectations = report["expectations"];
  ASSERT_EQ(rows.size(), expectations.size());
  bool some_failed = false;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    SCOPED_TRACE("expectation " + std::to_string(i));
    EXPECT_EQ(rows[i].name, expectations[i]["name"].get<std::string>());
    EXPECT_EQ(rows[i].verdict, expectations[i]["passed"].get<bool>() ? "PASS" : "FAIL");
    EXPECT_EQ(rows[i].detail, expectations[i]["detail"].get<std::string>());
    some_failed |= !expectations[i]["passed"].get<bool>();
  }
  EXPECT_TRUE(some_failed);  // the table shows both verdicts
  EXPECT_NE(dom.find(report["trace_hash"].get<std::string>()), std::string::npos);
}

TEST_F(html_report_browser, a_run_without_faults_or_expectations_says_so_instead_of_drawing_empty_charts) {
  if (!std::filesystem::exists(chromium_binary)) {
    GTEST_SKIP() << chromium_binary << " is missing (Debian package chromium; scripts/setup.sh installs it)";
  }
  ASSERT_EQ(run_fleetsim(data + "/tiny_rollout.textproto"), 0) << read_file(path("fleetsim.err"));
  const std::string dom = dom_of(path("r.html"));
  ASSERT_NE(dom.find("data-rendered=\"yes\""), std::string::npos) << dom.substr(0, 4000);
  EXPECT_GE(marks(element_by_id(dom, "svg", "chart-adoption"), "area").size(), 2u);
  EXPECT_GE(marks(element_by_id(dom, "svg", "chart-rollout"), "transition").size(), 2u);
  EXPECT_EQ(element_by_id(dom, "svg", "chart-events"), "");
  EXPECT_NE(dom.find("No faults and no attacks in this run."), std::string::npos);
  // Every request answered: no empty errors chart, a line that says so.
  EXPECT_GE(marks(element_by_id(dom, "svg", "chart-requests"), "area").size(), 5u);
  EXPECT_EQ(element_by_id(dom, "svg", "chart-errors"), "");
  EXPECT_NE(dom.find("No request was refused, dropped or left unanswered."), std::string::npos);
  EXPECT_EQ(element_by_id(dom, "table", "expectations"), "");
  EXPECT_NE(dom.find("The scenario declares no expectations."), std::string::npos);
}

TEST_F(html_report_browser, an_interrupted_run_shows_its_expectations_as_not_judged) {
  if (!std::filesystem::exists(chromium_binary)) {
    GTEST_SKIP() << chromium_binary << " is missing (Debian package chromium; scripts/setup.sh installs it)";
  }
  ASSERT_EQ(run_fleetsim(data + "/tiny_expectations.textproto"), 1) << read_file(path("fleetsim.err"));
  // The report of the same run had it been stopped at 1d, as run.cpp writes it.
  nlohmann::ordered_json report = nlohmann::ordered_json::parse(read_file(path("r.json")));
  report["complete"] = false;
  report["sim_seconds"] = 86400.0;
  for (auto& e : report["expectations"]) {
    e["passed"] = nullptr;
    e["verdict"] = "not_judged";
    e["detail"] = "the run stopped at 1d of 4d";
  }
  { std::ofstream(path("stopped.html")) << fleet::cli::html_report(report); }
  const std::string dom = dom_of(path("stopped.html"));
  ASSERT_NE(dom.find("data-rendered=\"yes\""), std::string::npos) << dom.substr(0, 4000);
  const std::vector<table_row> rows = rows_of(element_by_id(dom, "table", "expectations"));
  ASSERT_EQ(rows.size(), 2u);
  for (const table_row& row : rows) {
    EXPECT_EQ(row.verdict, "NOT JUDGED") << row.name;
    EXPECT_EQ(row.detail, "the run stopped at 1d of 4d");
  }
  EXPECT_EQ(element_by_id(dom, "table", "expectations").find("FAIL"), std::string::npos);
  EXPECT_NE(dom.find("no verdict. 2 expectations not judged."), std::string::npos) << dom.substr(0, 4000);
}

TEST_F(html_report_browser, names_are_shown_as_text_never_as_markup) {
  if (!std::filesystem::exists(chromium_binary)) {
    GTEST_SKIP() << chromium_binary << " is missing (Debian package chromium; scripts/setup.sh installs it)";
  }
  ASSERT_TRUE(write_renamed("tiny_rollout", "tiny-rollout", "<b>bold</b> & <img src=x onerror=alert(1)>"));
  ASSERT_EQ(run_fleetsim(path("evil.textproto")), 0) << read_file(path("fleetsim.err"));
  const std::string dom = dom_of(path("r.html"));
  ASSERT_NE(dom.find("data-rendered=\"yes\""), std::string::npos) << dom.substr(0, 4000);
  EXPECT_NE(dom.find("<h1>&lt;b&gt;bold&lt;/b&gt; &amp; &lt;img src=x onerror=alert(1)&gt;</h1>"), std::string::npos)
      << dom.substr(0, 4000);
  EXPECT_EQ(dom.find("<b>"), std::string::npos);
  EXPECT_EQ(dom.find("<img"), std::string::npos);
}

// `fleetsim explore --html`: the same page draws an explore report (its
// "command"), every failure, shrunk reproducer and coverage row of its JSON,
// with the scenario's names as text.
TEST_F(html_report_browser, chromium_draws_an_explore_report_from_its_json) {
  if (!std::filesystem::exists(chromium_binary)) {
    GTEST_SKIP() << chromium_binary << " is missing (Debian package chromium; scripts/setup.sh installs it)";
  }
  ASSERT_TRUE(write_renamed("tiny_chaos", "tiny-chaos", "<b>chaos</b> & <img src=x>"));
  ASSERT_EQ(run_program({FLEETSIM_BINARY, "explore", path("evil.textproto"), "--runs", "2", "--jobs", "2", "--quiet",
                         "--out", path("out"), "--report", path("e.json"), "--html", path("e.html")},
                        path("fleetsim.out"), path("fleetsim.err"), 120s),
            1)
      << read_file(path("fleetsim.err"));
  const json report = json::parse(read_file(path("e.json")));
  const std::string dom = dom_of(path("e.html"));
  ASSERT_NE(dom.find("data-rendered=\"yes\""), std::string::npos) << dom.substr(0, 4000);
  EXPECT_EQ(dom.find("data-render-error="), std::string::npos);
  EXPECT_NE(dom.find("<h1>&lt;b&gt;chaos&lt;/b&gt; &amp; &lt;img src=x&gt;</h1>"), std::string::npos) << dom.substr(0, 4000);
  EXPECT_EQ(dom.find("<b>"), std::string::npos);
  EXPECT_EQ(dom.find("<img"), std::string::npos);
  EXPECT_NE(dom.find("2 of 2 runs failed an expectation."), std::string::npos) << dom.substr(0, 4000);
  EXPECT_EQ(element_by_id(dom, "svg", "chart-adoption"), "");  // not a run's page

  const std::vector<std::vector<std::string>> by_expectation =
      body_cells(element_by_id(dom, "table", "failures-by-expectation"));
  ASSERT_EQ(by_expectation.size(), report["failures_by_expectation"].size());
  EXPECT_EQ(by_expectation[0][0], "all updated in 2h");
  EXPECT_EQ(by_expectation[0][1], "2");
  const std::vector<std::vector<std::string>> failures = body_cells(element_by_id(dom, "table", "failures"));
  ASSERT_EQ(failures.size(), report["failures"].size());
  for (std::size_t i = 0; i < failures.size(); ++i) {
    EXPECT_EQ(failures[i][2], report["failures"][i]["reproducer"]["path"]);
  }
  // The shrunk reproducer: its path and every fault or attack it kept.
  const json& shrunk = report["failures"][0]["shrunk"];
  EXPECT_NE(dom.find(shrunk["path"].get<std::string>()), std::string::npos);
  const std::string kept =
      unescape(element_by_id(dom, "ul", "kept-" + std::to_string(report["failures"][0]["run"].get<int>())));
  ASSERT_FALSE(shrunk["kept"].empty());
  for (const json& k : shrunk["kept"]) EXPECT_NE(kept.find("<li>" + k.get<std::string>() + "</li>"), std::string::npos) << k;

  // Coverage: a row per check of each attack kind (one for a kind without a
  // check), UNREACHED exactly where the check stopped nothing, the unreached
  // list whole, a row per fault kind.
  const std::vector<std::vector<std::string>> attacks = body_cells(element_by_id(dom, "table", "coverage-attacks"));
  std::size_t rows = 0, unreached_rows = 0;
  for (const json& a : report["coverage"]["attacks"]) {
    rows += std::max<std::size_t>(1, a["checks"].size());
    for (const json& c : a["checks"]) unreached_rows += c["stopped"] == 0 ? 1 : 0;
  }
  ASSERT_EQ(attacks.size(), rows);
  ASSERT_GT(rows, 0u);
  std::size_t shown_unreached = 0;
  for (const std::vector<std::string>& row : attacks) shown_unreached += row.size() > 6 && row[6] == "UNREACHED" ? 1 : 0;
  EXPECT_EQ(shown_unreached, unreached_rows);
  const std::string unreached = element_by_id(dom, "ul", "unreached");
  ASSERT_EQ(report["coverage"]["unreached"].empty(), unreached.empty());
  for (const json& u : report["coverage"]["unreached"]) {
    EXPECT_NE(unescape(unreached).find("<li>" + u.get<std::string>() + "</li>"), std::string::npos) << u;
  }
  const std::vector<std::vector<std::string>> faults = body_cells(element_by_id(dom, "table", "coverage-faults"));
  ASSERT_EQ(faults.size(), report["coverage"]["faults"].size());
  // Each fault kind's update steps, as "step n" pairs in the last column.
  std::size_t steps_shown = 0;
  for (std::size_t i = 0; i < faults.size(); ++i) {
    for (const auto& [step, n] : report["coverage"]["faults"][i]["update_steps"].items()) {
      if (n.get<std::uint64_t>() >= 1000) continue;  // drawn with a thousands separator
      EXPECT_NE(faults[i].back().find(step + " " + std::to_string(n.get<std::uint64_t>())), std::string::npos)
          << faults[i].back();
      ++steps_shown;
    }
  }
  EXPECT_GT(steps_shown, 0u);
}

TEST_F(html_report_browser, an_unwritable_html_path_is_refused_before_the_run) {
  const int code = run_program({FLEETSIM_BINARY, "run", data + "/tiny_rollout.textproto", "--quiet", "--html",
                                path("missing/r.html")},
                               path("fleetsim.out"), path("fleetsim.err"), 60s);
  EXPECT_EQ(code, 2);
  EXPECT_NE(read_file(path("fleetsim.err")).find("fleetsim run: --html: cannot create " + path("missing/r.html.tmp.XXXXXX")),
            std::string::npos)
      << read_file(path("fleetsim.err"));
}

}  // namespace

namespace {

/// The opening tag of a chart: its viewBox says what the page shows of it.
std::string view_box(const std::string& chart) { return attribute(chart.substr(0, chart.find('>') + 1), "viewBox"); }

}  // namespace

// Issue 18: a 29-device version among 10,000 was an invisible sliver, and
// long names were cut off. The report is tiny_chaos's, made bigger and given
// such a version and such names, then drawn by Chromium.
TEST_F(html_report_browser, a_small_version_and_long_names_stay_visible) {
  if (!std::filesystem::exists(chromium_binary)) {
    GTEST_SKIP() << chromium_binary << " is missing (Debian package chromium; scripts/setup.sh installs it)";
  }
  ASSERT_EQ(run_fleetsim(data + "/tiny_chaos.textproto"), 1) << read_file(path("fleetsim.err"));
  const nlohmann::ordered_json plain = nlohmann::ordered_json::parse(read_file(path("r.json")));
  nlohmann::ordered_json report = plain;
  constexpr std::uint64_t scale = 500;
  report["devices"] = report["devices"].get<std::uint64_t>() * scale;
  auto& timeline = report["timeline"];
  ASSERT_GE(timeline.size(), 3u);
  for (std::size_t i = 0; i < timeline.size(); ++i) {
    for (auto& [version, devices] : timeline[i]["app_versions"].items()) devices = devices.get<std::uint64_t>() * scale;
    timeline[i]["app_versions"]["1.0.9"] = i == timeline.size() / 2 ? 29 : 0;  // 29 devices once, none at the end
  }
  const std::string long_deployment(90, 'd');
  const std::string long_fault = "a cloud outage with a name long enough to run past the lane labels";
  report["deployments"][0]["name"] = long_deployment;
  report["faults"][0]["name"] = long_fault;
  { std::ofstream(path("big.html")) << fleet::cli::html_report(report); }
  const std::string dom = dom_of(path("big.html"));
  ASSERT_NE(dom.find("data-rendered=\"yes\""), std::string::npos) << dom.substr(0, 4000);

  const std::string adoption = element_by_id(dom, "svg", "chart-adoption");
  const std::vector<std::string> slivers = marks(adoption, "sliver");
  ASSERT_EQ(slivers.size(), 1u) << adoption.substr(0, 600);
  EXPECT_EQ(attribute(slivers[0], "data-key"), "1.0.9");
  EXPECT_EQ(empty_geometry(slivers[0]), "");
  EXPECT_NE(dom.find("1.0.9: 0 (peak 29 at "), std::string::npos);  // the legend: none at the end, 29 at most
  EXPECT_EQ(view_box(adoption), "0 0 960 300");  // nothing to fit: the view is the chart's own

  // Whole names, and charts widened to show them rather than cut at the edge.
  const std::string rollout = element_by_id(dom, "svg", "chart-rollout");
  EXPECT_NE(rollout.find(long_deployment), std::string::npos);
  std::istringstream rollout_box(view_box(rollout));
  double x = 0, y = 0, width = 0;
  rollout_box >> x >> y >> width;
  EXPECT_GT(x + width, 960) << view_box(rollout);  // the heading runs past the right edge of 960
  const std::string events = element_by_id(dom, "svg", "chart-events");
  EXPECT_NE(events.find(">" + long_fault + "<"), std::string::npos);  // its lane label, whole
  std::istringstream events_box(view_box(events));
  events_box >> x;
  EXPECT_LT(x, 0) << view_box(events);  // the label reaches left of the chart's own edge

  // The plain report: no sliver where every version is big enough.
  { std::ofstream(path("plain.html")) << fleet::cli::html_report(plain); }
  EXPECT_TRUE(marks(element_by_id(dom_of(path("plain.html")), "svg", "chart-adoption"), "sliver").empty());
}
