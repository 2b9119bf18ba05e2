#include "fleet/wire/envelope.hpp"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <cstring>

namespace fleet::wire {

namespace {

// Sized first, then written in place: a string stream grew the string as it
// went, a reallocation (and a fill with zeros) each time it doubled.
void append_serialized(const google::protobuf::MessageLite& message, std::string& out) {
  const std::size_t size = message.ByteSizeLong();
  const std::size_t start = out.size();
  out.resize(start + size);
  google::protobuf::io::ArrayOutputStream raw(out.data() + start, static_cast<int>(size));
  google::protobuf::io::CodedOutputStream coded(&raw);
  coded.SetSerializationDeterministic(true);
  message.SerializeWithCachedSizes(&coded);
}

}  // namespace

std::string serialize(const google::protobuf::MessageLite& message) {
  std::string out;
  append_serialized(message, out);
  return out;
}

crypto::digest session_binding(std::string_view service_share, std::uint64_t session_id) {
  std::string input = "fleetsim session binding v1";
  input.append(service_share);
  for (int i = 0; i < 8; ++i) input.push_back(static_cast<char>((session_id >> (8 * i)) & 0xff));
  return crypto::sha256(input);
}

std::string restricted_grant_input(std::string_view grant_bytes) {
  std::string input = "fleetsim restricted session grant v1";
  input.append(grant_bytes);
  return input;
}

bool is_session_request(Envelope::BodyCase body) {
  switch (body) {
    case Envelope::kUpdateCheck:
    case Envelope::kChunkRequest:
    case Envelope::kUpdateResult:
    case Envelope::kTelemetry: return true;
    default: return false;
  }
}

namespace {

std::size_t varint_size(std::uint64_t v) {
  std::size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

// Bytes fields 1 to 4 (device_id, sequence, session_id, mac: one-byte tags)
// take at the front of the envelope's serialization; proto3 leaves out
// empty and zero ones.
std::size_t header_fields_size(const Envelope& e) {
  std::size_t n = 0;
  if (!e.device_id().empty()) n += 1 + varint_size(e.device_id().size()) + e.device_id().size();
  if (e.sequence() != 0) n += 1 + varint_size(e.sequence());
  if (e.session_id() != 0) n += 1 + varint_size(e.session_id());
  if (!e.mac().empty()) n += 1 + varint_size(e.mac().size()) + e.mac().size();
  return n;
}

}  // namespace

std::string mac_input(const Envelope& envelope) {
  // The MAC covers the envelope without its header fields. Serialization
  // writes fields in number order and unknown fields last, so those bytes
  // are the whole envelope's after its header: one serialization instead
  // of a deep copy with the header cleared (a 16 KiB chunk was copied three
  // times a MAC). tests/proto/envelope_test.cpp holds it to the copy's bytes.
  std::string out = envelope.device_id();
  char numbers[16];
  std::uint64_t seq = envelope.sequence();
  std::uint64_t session = envelope.session_id();
  std::memcpy(numbers, &seq, 8);
  std::memcpy(numbers + 8, &session, 8);
  out.append(numbers, sizeof numbers);
  const std::size_t prefix = out.size();
  append_serialized(envelope, out);
  out.erase(prefix, header_fields_size(envelope));
  return out;
}

std::string certificate_proof_input(const Envelope& envelope) {
  Envelope unproved;
  unproved.CopyFrom(envelope);
  unproved.clear_certificate_proof();
  return "fleetsim certificate proof v1" + mac_input(unproved);
}

void prove_possession(Envelope& envelope, const crypto::secret_key& device_key) {
  envelope.set_certificate_proof(crypto::to_string(crypto::sign(certificate_proof_input(envelope), device_key)));
}

}  // namespace fleet::wire
