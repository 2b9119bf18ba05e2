// Protobuf's report of altered bytes is dropped; its other messages are not.
#include "fleet/wire/protobuf_log.hpp"

#include <gtest/gtest.h>

#include <string>

#include "device.pb.h"
#include "fleet/wire/envelope.hpp"

namespace fleet::wire {
namespace {

// An UpdateCheck whose product (a proto3 string) holds a byte that is not UTF-8.
std::string altered_update_check() {
  UpdateCheck check;
  check.set_product("thermostat");
  std::string bytes = serialize(check);
  const std::size_t at = bytes.find("thermostat");
  bytes[at] = static_cast<char>(0xff);
  return bytes;
}

TEST(protobuf_log, a_parse_of_altered_bytes_fails_and_says_nothing) {
  google::protobuf::LogHandler* const protobufs_own = google::protobuf::SetLogHandler(&log_unless_altered_bytes);
  testing::internal::CaptureStderr();
  UpdateCheck parsed;
  const bool ok = parsed.ParseFromString(altered_update_check());
  const std::string said = testing::internal::GetCapturedStderr();
  google::protobuf::SetLogHandler(protobufs_own);
  EXPECT_FALSE(ok);
  EXPECT_EQ(said, "");
}

TEST(protobuf_log, protobufs_own_handler_reports_it) {
  // The control: with protobuf's handler the same parse writes its report.
  testing::internal::CaptureStderr();
  UpdateCheck parsed;
  EXPECT_FALSE(parsed.ParseFromString(altered_update_check()));
  EXPECT_TRUE(reports_altered_bytes(testing::internal::GetCapturedStderr()));
}

TEST(protobuf_log, every_other_message_is_written) {
  testing::internal::CaptureStderr();
  log_unless_altered_bytes(google::protobuf::LOGLEVEL_ERROR, "x.cc", 7, "something else went wrong");
  log_unless_altered_bytes(google::protobuf::LOGLEVEL_WARNING, "x.cc", 8,
                           "String field 'a' contains invalid UTF-8 data when parsing a protocol buffer.");
  const std::string said = testing::internal::GetCapturedStderr();
  EXPECT_NE(said.find("[libprotobuf ERROR x.cc:7] something else went wrong"), std::string::npos) << said;
  EXPECT_NE(said.find("[libprotobuf WARNING x.cc:8]"), std::string::npos) << said;
}

}  // namespace
}  // namespace fleet::wire
