#include "host_port.hpp"

#include <cstdio>

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

bool is_loopback(const std::string& host_port) {
  const std::string host = host_port.substr(0, host_port.rfind(':'));
  if (host == "localhost" || host == "[::1]") return true;
  // 127.0.0.0/8, written as a dotted quad (the validator saw HOST:PORT only).
  int parts[4];
  char end = 0;
  return std::sscanf(host.c_str(), "%d.%d.%d.%d%c", &parts[0], &parts[1], &parts[2], &parts[3], &end) == 4 &&
         parts[0] == 127 && parts[1] >= 0 && parts[1] <= 255 && parts[2] >= 0 && parts[2] <= 255 && parts[3] >= 0 &&
         parts[3] <= 255;
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
