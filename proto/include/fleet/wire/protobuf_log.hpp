#pragma once
// Protobuf's own log, for programs that parse what an attacker altered.

#include <google/protobuf/stubs/logging.h>

#include <string>

namespace fleet::wire {

/// Whether a protobuf log message reports invalid UTF-8 in a string field
/// being parsed: bytes a man in the middle altered. The parse fails, the
/// receiver rejects the message as malformed and counts it; protobuf's
/// report of it is noise (thousands of lines in an attack run).
bool reports_altered_bytes(const std::string& message);

/// A protobuf log handler: protobuf's messages to stderr, as its default
/// handler writes them, but those reports_altered_bytes() names.
void log_unless_altered_bytes(google::protobuf::LogLevel level, const char* file, int line,
                              const std::string& message);

/// Installs log_unless_altered_bytes for the process (call once, from main).
void quiet_altered_bytes_reports();

}  // namespace fleet::wire
