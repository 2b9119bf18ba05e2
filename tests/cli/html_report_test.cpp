// The HTML report's page as text: the whole JSON report embedded, nothing to
// fetch, and no scenario name able to break out of the data's <script>.
// tests/cli/html_report_browser_test.cpp checks what a browser draws from it.
#include "html_report.hpp"

#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "run_fixture.hpp"

namespace {

using fleet::cli::html_report;
using fleet::cli::report_json;
using fleet::cli::script_safe;
using fleet::cli::testing::sample_context;
using fleet::cli::testing::sample_result;
using json = nlohmann::json;

const std::string data_open = "<script type=\"application/json\" id=\"report-data\">";

/// The text of the page's #report-data element.
std::string embedded_data(const std::string& page) {
  const std::size_t begin = page.find(data_open);
  if (begin == std::string::npos) return {};
  const std::size_t from = begin + data_open.size();
  return page.substr(from, page.find("</script>", from) - from);
}

std::size_t occurrences(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (std::size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

TEST(html_report, embeds_the_whole_report_as_json) {
  const nlohmann::ordered_json report = report_json(sample_result(), sample_context());
  const std::string page = html_report(report);
  EXPECT_EQ(page.rfind("<!DOCTYPE html>\n", 0), 0u);
  EXPECT_NE(page.find("<main id=\"report\">"), std::string::npos);
  const std::string data = embedded_data(page);
  ASSERT_FALSE(data.empty()) << page.substr(0, 2000);
  EXPECT_EQ(json::parse(data), json(report));
  EXPECT_EQ(json::parse(data)["deployments"][0]["transitions"].size(), 4u);
}

TEST(html_report, fetches_nothing) {
  const std::string page = html_report(report_json(sample_result(), sample_context()));
  for (const char* external : {"http://", "https://", "src=", "href=", "@import", "url(", "fetch(", "XMLHttpRequest"}) {
    EXPECT_EQ(page.find(external), std::string::npos) << external;
  }
  // And the browser is told so: nothing but the page's own style and script.
  EXPECT_NE(page.find("content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'"),
            std::string::npos);
}

TEST(html_report, a_name_cannot_close_the_data_script_element) {
  fleet::actors::run_result result = sample_result();
  result.scenario = "evil</script><b>bold</b><!--<script>";
  result.expectations = {{"x</SCRIPT><b>", false, "<img onerror=alert(1)>"}};
  result.faults[0].name = "</script><script>alert(1)</script>";
  const nlohmann::ordered_json report = report_json(result, sample_context());
  const std::string page = html_report(report);
  EXPECT_EQ(page.find("<b>"), std::string::npos);
  EXPECT_EQ(page.find("<img"), std::string::npos);
  EXPECT_EQ(page.find("<!--"), std::string::npos);
  EXPECT_EQ(occurrences(page, "<script"), 2u);   // the data's and the drawing script's
  EXPECT_EQ(occurrences(page, "</script"), 2u);  // and their ends: no other
  // Escaped, the names are still themselves to the page's JSON.parse.
  const json data = json::parse(embedded_data(page));
  EXPECT_EQ(data["scenario"], "evil</script><b>bold</b><!--<script>");
  EXPECT_EQ(data["expectations"][0]["name"], "x</SCRIPT><b>");
  EXPECT_EQ(data, json(report));
}

// An explore report ("command": "explore", cli/explore.cpp) gets its own
// title and the same escaping; a run's report, without the field, keeps its own.
TEST(html_report, an_explore_report_is_titled_so_and_its_names_cannot_close_the_data) {
  const nlohmann::ordered_json report = {{"command", "explore"},
                                         {"scenario", "x</script><b>"},
                                         {"failures_by_expectation", {{"y<!--", 2}}},
                                         {"coverage", {{"unreached", {"</script><script>alert(1)"}}}}};
  const std::string page = html_report(report);
  EXPECT_NE(page.find("<title>fleetsim explore report</title>"), std::string::npos);
  EXPECT_EQ(page.find("<b>"), std::string::npos);
  EXPECT_EQ(page.find("<!--"), std::string::npos);
  EXPECT_EQ(occurrences(page, "</script"), 2u);
  EXPECT_EQ(json::parse(embedded_data(page)), json(report));
  EXPECT_NE(html_report(report_json(sample_result(), sample_context())).find("<title>fleetsim run report</title>"),
            std::string::npos);
}

TEST(html_report, script_safe_escapes_every_less_than_sign) {
  EXPECT_EQ(script_safe(R"({"a":"</script>","b":"<!--"})"), R"({"a":"\u003c/script>","b":"\u003c!--"})");
  EXPECT_EQ(script_safe(R"({"a":1})"), R"({"a":1})");
}

TEST(html_report, invalid_utf8_in_a_name_does_not_lose_the_page) {
  fleet::actors::run_result result = sample_result();
  result.scenario = "bad \xff byte";
  const std::string page = html_report(report_json(result, sample_context()));
  EXPECT_EQ(json::parse(embedded_data(page))["scenario"], "bad \xef\xbf\xbd byte");  // U+FFFD
}

}  // namespace
