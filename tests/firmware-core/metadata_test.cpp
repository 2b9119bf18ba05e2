#include "metadata.hpp"

#include <gtest/gtest.h>

#include "fleet/device/chunk_store.hpp"
#include "fleet/device/sim_flash.hpp"

namespace fleet::fw {
namespace {

metadata_record sample() {
  metadata_record r;
  r.set_active(component::os, slot::b);
  r.trial_component = static_cast<std::uint8_t>(component::os);
  r.trial_tries_left = 2;
  r.download_component = static_cast<std::uint8_t>(component::app);
  r.download_chunks_done = 17;
  r.download_manifest.fill(0xab);
  r.deferral_granted_s = 86400;
  return r;
}

bool same(const metadata_record& a, const metadata_record& b) {
  return a.active_slots == b.active_slots && a.trial_component == b.trial_component &&
         a.trial_tries_left == b.trial_tries_left && a.download_component == b.download_component &&
         a.download_chunks_done == b.download_chunks_done && a.download_manifest == b.download_manifest &&
         a.deferral_granted_s == b.deferral_granted_s;
}

TEST(metadata, round_trips) {
  auto r = sample();
  r.sequence = 42;
  auto decoded = decode(encode(r));
  ASSERT_TRUE(decoded);
  EXPECT_TRUE(same(r, *decoded));
  EXPECT_EQ(decoded->sequence, 42u);
  EXPECT_EQ(decoded->active(component::os), slot::b);
  EXPECT_EQ(decoded->active(component::app), slot::a);
}

// The deferral granted is bound to the pending download: a new download or
// none at all starts from nothing.
TEST(metadata, a_new_or_no_download_clears_the_deferral_granted) {
  auto r = sample();
  std::array<std::uint8_t, 16> other{};
  other.fill(0xcd);
  r.begin_download(component::os, other);
  EXPECT_EQ(r.download_component, static_cast<std::uint8_t>(component::os));
  EXPECT_EQ(r.download_manifest, other);
  EXPECT_EQ(r.download_chunks_done, 0u);
  EXPECT_EQ(r.deferral_granted_s, 0u);
  r = sample();
  r.clear_download();
  EXPECT_FALSE(r.download_pending());
  EXPECT_EQ(r.deferral_granted_s, 0u);
}

TEST(metadata, every_single_bit_flip_is_detected) {
  std::string bytes = encode(sample());
  for (std::size_t bit = 0; bit < bytes.size() * 8; ++bit) {
    std::string rotten = bytes;
    rotten[bit / 8] = static_cast<char>(rotten[bit / 8] ^ (1 << (bit % 8)));
    EXPECT_FALSE(decode(rotten)) << "bit " << bit;
  }
  EXPECT_FALSE(decode(bytes.substr(0, bytes.size() - 1)));
  EXPECT_FALSE(decode(""));
}

TEST(metadata, blank_flash_gives_factory_defaults) {
  device::chunk_store store;
  device::sim_flash flash(store, 1, 1);
  auto r = load_metadata(flash);
  EXPECT_EQ(r.active_slots, 0);
  EXPECT_FALSE(r.trial_pending());
  EXPECT_FALSE(r.download_pending());
}

TEST(metadata, copies_alternate_and_the_newest_wins) {
  device::chunk_store store;
  device::sim_flash flash(store, 1, 1);
  metadata_record r;
  for (std::uint32_t i = 1; i <= 5; ++i) {
    r.download_chunks_done = i;
    ASSERT_EQ(store_metadata(flash, r), flash_status::ok);
    EXPECT_EQ(r.sequence, i);
    EXPECT_EQ(load_metadata(flash).download_chunks_done, i);
  }
  // Both sectors hold a valid copy: the older one is one sequence behind.
  auto a = decode(flash.read_metadata(0));
  auto b = decode(flash.read_metadata(1));
  ASSERT_TRUE(a && b);
  EXPECT_EQ(std::max(a->sequence, b->sequence), 5u);
  EXPECT_EQ(std::min(a->sequence, b->sequence), 4u);
}

// A power cut tearing the write at any point leaves either the old record
// or the new one, never anything else.
TEST(metadata, torn_write_leaves_old_or_new_record) {
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    SCOPED_TRACE("seed=" + std::to_string(seed));
    device::chunk_store store;
    device::sim_flash flash(store, seed, 7);
    metadata_record old_record = sample();
    ASSERT_EQ(store_metadata(flash, old_record), flash_status::ok);
    ASSERT_EQ(store_metadata(flash, old_record), flash_status::ok);
    metadata_record new_record = old_record;
    new_record.download_chunks_done = 99;
    flash.arm_power_cut(1);
    EXPECT_EQ(store_metadata(flash, new_record), flash_status::power_lost);
    flash.restore_power();
    auto loaded = load_metadata(flash);
    EXPECT_TRUE(same(loaded, old_record) || same(loaded, new_record));
    EXPECT_EQ(loaded.download_chunks_done == 99 ? loaded.sequence : old_record.sequence, loaded.sequence);
  }
}

TEST(metadata, a_rotten_newest_copy_falls_back_to_the_older_one) {
  device::chunk_store store;
  device::sim_flash flash(store, 3, 3);
  metadata_record r;
  r.download_chunks_done = 1;
  ASSERT_EQ(store_metadata(flash, r), flash_status::ok);
  r.download_chunks_done = 2;
  ASSERT_EQ(store_metadata(flash, r), flash_status::ok);
  std::uint32_t newest_sector = decode(flash.read_metadata(0))->sequence == 2 ? 0 : 1;
  ASSERT_TRUE(flash.rot_metadata_bit(newest_sector, 70));
  EXPECT_EQ(load_metadata(flash).download_chunks_done, 1u);
}

}  // namespace
}  // namespace fleet::fw
