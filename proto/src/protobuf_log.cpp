#include "fleet/wire/protobuf_log.hpp"

#include <cstdio>

namespace fleet::wire {

bool reports_altered_bytes(const std::string& message) {
  return message.find("contains invalid UTF-8 data when parsing a protocol buffer") != std::string::npos;
}

void log_unless_altered_bytes(google::protobuf::LogLevel level, const char* file, int line,
                              const std::string& message) {
  if (level == google::protobuf::LOGLEVEL_ERROR && reports_altered_bytes(message)) return;
  static const char* const names[] = {"INFO", "WARNING", "ERROR", "FATAL"};
  const auto index = static_cast<std::size_t>(level);
  std::fprintf(stderr, "[libprotobuf %s %s:%d] %s\n", index < 4 ? names[index] : "?", file, line, message.c_str());
  std::fflush(stderr);
}

void quiet_altered_bytes_reports() { google::protobuf::SetLogHandler(&log_unless_altered_bytes); }

}  // namespace fleet::wire
