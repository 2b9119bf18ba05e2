#pragma once
// For tests/cli: JUnit XML read back with expat, so that a test sees what a
// CI system's parser sees (a file that is not well-formed is an error).

#include <expat.h>

#include <map>
#include <string>
#include <vector>

namespace fleet::cli::testing {

struct xml_element {
  std::string name;
  std::map<std::string, std::string> attributes;
  std::string text;  ///< character data directly inside it
  int depth = 0;
};

/// Every element in document order; `error` set (and the list partial) when
/// the text is not well-formed XML.
struct parsed_xml {
  std::vector<xml_element> elements;
  std::string error;

  std::vector<const xml_element*> named(const std::string& name) const {
    std::vector<const xml_element*> found;
    for (const xml_element& e : elements) {
      if (e.name == name) found.push_back(&e);
    }
    return found;
  }
};

inline parsed_xml parse_xml(const std::string& text) {
  struct state {
    parsed_xml out;
    std::vector<std::size_t> open;
  } s;
  XML_Parser parser = XML_ParserCreate("UTF-8");
  XML_SetUserData(parser, &s);
  XML_SetElementHandler(
      parser,
      [](void* data, const XML_Char* name, const XML_Char** attributes) {
        auto& st = *static_cast<state*>(data);
        xml_element e;
        e.name = name;
        e.depth = static_cast<int>(st.open.size());
        for (int i = 0; attributes[i] != nullptr; i += 2) e.attributes[attributes[i]] = attributes[i + 1];
        st.open.push_back(st.out.elements.size());
        st.out.elements.push_back(std::move(e));
      },
      [](void* data, const XML_Char*) { static_cast<state*>(data)->open.pop_back(); });
  XML_SetCharacterDataHandler(parser, [](void* data, const XML_Char* chars, int length) {
    auto& st = *static_cast<state*>(data);
    if (!st.open.empty()) st.out.elements[st.open.back()].text.append(chars, static_cast<std::size_t>(length));
  });
  if (XML_Parse(parser, text.data(), static_cast<int>(text.size()), 1) == XML_STATUS_ERROR) {
    s.out.error = std::string(XML_ErrorString(XML_GetErrorCode(parser))) + " at line " +
                  std::to_string(XML_GetCurrentLineNumber(parser));
  }
  XML_ParserFree(parser);
  return s.out;
}

}  // namespace fleet::cli::testing
