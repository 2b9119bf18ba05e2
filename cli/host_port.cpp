#include "host_port.hpp"

namespace fleet::cli {

bool is_host_port(const std::string& text) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) return false;
  const std::string port = text.substr(colon + 1);
  if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos) return false;
  const std::string host = text.substr(0, colon);
  const bool bracketed = host.front() == '[' && host.back() == ']';
  if (!bracketed && host.find_first_of(":[] ") != std::string::npos) return false;
  return std::stoul(port) <= 65535;
}

std::string with_port(const std::string& address, int port) {
  return address.substr(0, address.rfind(':') + 1) + std::to_string(port);
}

CLI::Validator host_port_validator() {
  return CLI::Validator(
      [](std::string& text) {
        return is_host_port(text) ? std::string{} : "must be HOST:PORT with a port from 0 to 65535, not " + text;
      },
      "");
}

}  // namespace fleet::cli
