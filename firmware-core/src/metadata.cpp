#include "metadata.hpp"

#include <cstring>

#include "fleet/check.hpp"

namespace fleet::fw {
namespace {

constexpr std::uint32_t magic = 0x444d4c46;  // "FLMD"
// Format 3 added deferral_granted_s; a record of another format does not decode.
constexpr std::uint8_t format = 3;
constexpr std::size_t encoded_size = 4 + 1 + 4 + 1 + 1 + 1 + 1 + 4 + 16 + 16 + 4 + 4;

std::uint32_t crc32(const char* data, std::size_t size) {
  std::uint32_t crc = 0xffffffffu;
  for (std::size_t i = 0; i < size; ++i) {
    crc ^= static_cast<std::uint8_t>(data[i]);
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

void put32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

std::uint32_t get32(const char* p) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<std::uint8_t>(p[i]);
  return v;
}

}  // namespace

std::string encode(const metadata_record& r) {
  std::string out;
  out.reserve(encoded_size);
  put32(out, magic);
  out.push_back(static_cast<char>(format));
  put32(out, r.sequence);
  out.push_back(static_cast<char>(r.active_slots));
  out.push_back(static_cast<char>(r.trial_component));
  out.push_back(static_cast<char>(r.trial_tries_left));
  out.push_back(static_cast<char>(r.download_component));
  put32(out, r.download_chunks_done);
  out.append(reinterpret_cast<const char*>(r.download_manifest.data()), r.download_manifest.size());
  out.append(reinterpret_cast<const char*>(r.failed_image.data()), r.failed_image.size());
  put32(out, r.deferral_granted_s);
  put32(out, crc32(out.data(), out.size()));
  return out;
}

std::optional<metadata_record> decode(std::string_view bytes) {
  if (bytes.size() < encoded_size) return std::nullopt;
  const char* p = bytes.data();
  if (get32(p) != magic || static_cast<std::uint8_t>(p[4]) != format) return std::nullopt;
  if (get32(p + encoded_size - 4) != crc32(p, encoded_size - 4)) return std::nullopt;
  metadata_record r;
  r.sequence = get32(p + 5);
  r.active_slots = static_cast<std::uint8_t>(p[9]);
  r.trial_component = static_cast<std::uint8_t>(p[10]);
  r.trial_tries_left = static_cast<std::uint8_t>(p[11]);
  r.download_component = static_cast<std::uint8_t>(p[12]);
  r.download_chunks_done = get32(p + 13);
  std::memcpy(r.download_manifest.data(), p + 17, r.download_manifest.size());
  std::memcpy(r.failed_image.data(), p + 33, r.failed_image.size());
  r.deferral_granted_s = get32(p + 49);
  // A record naming a component that does not exist is as good as corrupt.
  auto valid_component = [](std::uint8_t c) { return c == no_component || c < component_count; };
  if (!valid_component(r.trial_component) || !valid_component(r.download_component)) {
    return std::nullopt;
  }
  return r;
}

namespace {

struct newest_copy {
  std::optional<metadata_record> record;
  std::uint32_t sector = 1;  // where the newest lives; the next write goes to the other
};

newest_copy find_newest(flash_hal& flash) {
  newest_copy best;
  for (std::uint32_t sector = 0; sector < 2; ++sector) {
    auto r = decode(flash.read_metadata(sector));
    if (r && (!best.record || r->sequence > best.record->sequence)) {
      best.record = r;
      best.sector = sector;
    }
  }
  return best;
}

}  // namespace

metadata_record load_metadata(flash_hal& flash) {
  auto newest = find_newest(flash);
  return newest.record ? *newest.record : metadata_record{};
}

flash_status store_metadata(flash_hal& flash, metadata_record& r) {
  FLEET_CHECK(flash.metadata_sector_bytes() >= encoded_size,
              "a metadata sector too small for the record is a hardware description error");
  auto newest = find_newest(flash);
  metadata_record next = r;
  next.sequence = (newest.record ? newest.record->sequence : 0) + 1;
  std::uint32_t target = newest.record ? 1 - newest.sector : 0;
  auto status = flash.write_metadata(target, encode(next));
  if (status == flash_status::ok) r = next;
  return status;
}

}  // namespace fleet::fw
