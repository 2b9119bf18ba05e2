#include "junit_report.hpp"

#include <algorithm>
#include <cstddef>

#include "text_format.hpp"

namespace fleet::cli {
namespace {

std::string attribute(const char* name, const std::string& value) {
  return std::string(" ") + name + "=\"" + xml_escaped(value) + "\"";
}

std::string property(const char* name, const std::string& value) {
  return "      <property" + attribute("name", name) + attribute("value", value) + "/>\n";
}

std::string testcase(const actors::expectation_result& e, const std::string& suite, bool judged) {
  std::string text = "    <testcase" + attribute("name", e.name) + attribute("classname", suite) + " time=\"0\"";
  if (judged && e.passed) return text + "/>\n";
  text += ">\n";
  if (!judged) {
    text += "      <skipped" + attribute("message", "not judged: " + e.detail) + "/>\n";
  } else {
    text += "      <failure" + attribute("message", e.detail) + attribute("type", "expectation") + ">" +
            xml_escaped(e.detail) + "</failure>\n";
  }
  return text + "    </testcase>\n";
}

}  // namespace

std::string xml_escaped(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') {
          out += "\xEF\xBF\xBD";  // U+FFFD: XML 1.0 has no way to write these
        } else {
          out += c;
        }
    }
  }
  return out;
}

std::string junit_report(const actors::run_result& r, const run_context& c) {
  const bool judged = r.complete;
  const std::size_t tests = r.expectations.size();
  const std::size_t failures =
      judged ? static_cast<std::size_t>(std::count_if(r.expectations.begin(), r.expectations.end(),
                                                      [](const auto& e) { return !e.passed; }))
             : 0;
  const std::size_t skipped = judged ? 0 : tests;
  const std::string counts = " tests=\"" + std::to_string(tests) + "\" failures=\"" + std::to_string(failures) +
                             "\" errors=\"0\" skipped=\"" + std::to_string(skipped) + "\" time=\"" +
                             formatted("%.3f", c.wall_seconds) + "\"";
  std::string text = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  text += "<testsuites" + attribute("name", "fleetsim") + counts + ">\n";
  text += "  <testsuite" + attribute("name", r.scenario) + counts + ">\n";
  text += "    <properties>\n";
  text += property("scenario_file", c.scenario_file);
  text += property("seed", std::to_string(r.seed));
  text += property("devices", std::to_string(r.devices));
  text += property("complete", r.complete ? "true" : "false");
  text += property("trace_hash", r.trace_hash);
  text += property("replay", c.replay_command);
  text += "    </properties>\n";
  for (const actors::expectation_result& e : r.expectations) text += testcase(e, r.scenario, judged);
  text += "    <system-out>" + xml_escaped("replay: " + c.replay_command) + "</system-out>\n";
  text += "  </testsuite>\n</testsuites>\n";
  return text;
}

}  // namespace fleet::cli
