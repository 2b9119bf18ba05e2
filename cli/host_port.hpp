#pragma once
// HOST:PORT addresses on the command line (--listen, --metrics-addr).

#include <string>

#include <CLI/CLI.hpp>

namespace fleet::cli {

/// "HOST:PORT": a host (a name, an IPv4 address or a bracketed IPv6 one) and a port of 0 to 65535.
bool is_host_port(const std::string& text);

/// Whether HOST of "HOST:PORT" is the loopback interface: localhost,
/// 127.0.0.0/8 or [::1]. Anything else (0.0.0.0, [::], a name) reaches beyond.
bool is_loopback(const std::string& host_port);

/// "127.0.0.1:0" with the port actually taken: "127.0.0.1:41235".
std::string with_port(const std::string& address, int port);

/// A CLI11 check that refuses anything but HOST:PORT, saying what it got.
CLI::Validator host_port_validator();

}  // namespace fleet::cli
