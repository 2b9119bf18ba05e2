#include "fleet/device/sim_flash.hpp"

#include <gtest/gtest.h>

#include <bitset>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "test_images.hpp"

namespace fleet::device {
namespace {

using fw::component;
using fw::flash_status;
using fw::slot;
using testing::make_image;

constexpr std::uint32_t chunks_scanned = 32;  // every test image has fewer chunks

/// Everything the flash holds, as bytes, for before/after comparisons.
std::vector<std::string> snapshot(sim_flash& f) {
  std::vector<std::string> out;
  for (std::uint32_t s = 0; s < metadata_sector_count; ++s) out.emplace_back(f.read_metadata(s));
  for (std::size_t c = 0; c < fw::component_count; ++c) {
    for (slot sl : {slot::a, slot::b}) {
      const auto comp = static_cast<component>(c);
      out.emplace_back(f.read_header(comp, sl));
      for (std::uint32_t i = 0; i < chunks_scanned; ++i) out.emplace_back(f.read_chunk(comp, sl, i));
    }
  }
  return out;
}

std::size_t differing_bits(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  std::size_t bits = 0;
  EXPECT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].size(), b[i].size()) << "entry " << i;
    for (std::size_t j = 0; j < std::min(a[i].size(), b[i].size()); ++j)
      bits += std::bitset<8>(static_cast<unsigned char>(a[i][j] ^ b[i][j])).count();
  }
  return bits;
}

/// Torn bytes as specified: a prefix of `wanted`, then `before` (0xFF past its end).
bool is_torn_form(std::string_view got, std::string_view before, std::string_view wanted) {
  if (got.size() != wanted.size()) return false;
  std::size_t k = 0;
  while (k < got.size() && got[k] == wanted[k]) ++k;
  // Any split at or below the first mismatch must explain the rest.
  for (std::size_t split = 0; split <= k; ++split) {
    bool ok = true;
    for (std::size_t i = split; i < got.size() && ok; ++i)
      ok = got[i] == (i < before.size() ? before[i] : '\xff');
    if (ok) return true;
  }
  return false;
}

/// A torn erase leaves the header gone, or its start wiped to 0xFF.
bool is_torn_erase_header(std::string_view got, std::string_view old) {
  if (got.empty()) return true;
  if (got.size() != old.size() || got[0] != '\xff') return false;
  const std::size_t w = std::min(got.find_first_not_of('\xff'), got.size());
  return got.substr(w) == old.substr(w);
}

TEST(sim_flash, fresh_flash_reads_empty) {
  chunk_store store;
  sim_flash f(store, 1, 0);
  EXPECT_EQ(f.metadata_sector_bytes(), metadata_sector_bytes_max);
  EXPECT_TRUE(f.read_metadata(0).empty());
  EXPECT_TRUE(f.read_metadata(1).empty());
  EXPECT_TRUE(f.read_header(component::os, slot::b).empty());
  EXPECT_TRUE(f.read_chunk(component::legacy_firmware, slot::a, 0).empty());
  EXPECT_EQ(f.writes_done(), 0u);
  EXPECT_EQ(f.heap_bytes(), 0u);
}

TEST(sim_flash, provision_write_read_and_erase_round_trip) {
  chunk_store store;
  sim_flash f(store, 1, 0);
  const auto image = make_image("thermo-os", "2.1.0", 5000, 1024, wire::OS);
  provision(f, component::os, slot::a, image);
  EXPECT_EQ(f.writes_done(), 2u + image.chunks.size());
  EXPECT_EQ(f.read_header(component::os, slot::a), wire::serialize(image.signed_manifest));
  for (std::uint32_t i = 0; i < image.chunks.size(); ++i)
    EXPECT_EQ(f.read_chunk(component::os, slot::a, i), image.chunks[i]);
  EXPECT_TRUE(f.read_chunk(component::os, slot::a, 5).empty());
  EXPECT_TRUE(f.info(component::os, slot::a).intact());
  EXPECT_TRUE(f.read_header(component::os, slot::b).empty());

  EXPECT_EQ(f.erase_slot(component::os, slot::a), flash_status::ok);
  EXPECT_TRUE(f.read_header(component::os, slot::a).empty());
  EXPECT_TRUE(f.read_chunk(component::os, slot::a, 0).empty());
  EXPECT_EQ(f.heap_bytes(), 0u);
}

TEST(sim_flash, metadata_sectors_hold_raw_bytes) {
  chunk_store store;
  sim_flash f(store, 1, 0);
  const std::string full(metadata_sector_bytes_max, '\x5a');
  EXPECT_EQ(f.write_metadata(1, full), flash_status::ok);
  EXPECT_EQ(f.read_metadata(1), full);
  EXPECT_TRUE(f.read_metadata(0).empty());
  EXPECT_EQ(f.write_metadata(1, "short"), flash_status::ok);
  EXPECT_EQ(f.read_metadata(1), "short");
  EXPECT_EQ(f.write_metadata(0, std::string("\0\1\2", 3)), flash_status::ok);
  EXPECT_EQ(f.read_metadata(0), std::string("\0\1\2", 3));
}

TEST(sim_flash, out_of_order_and_header_last_writes_end_up_compact) {
  chunk_store store;
  const auto image = make_image("thermo-app", "1.0.0", 8 * 1024);
  const std::string header(store.register_image(image).header);
  sim_flash f(store, 1, 0);
  // Chunks in reverse, header last.
  for (std::uint32_t i = image.chunks.size(); i-- > 0;)
    ASSERT_EQ(f.write_chunk(component::app, slot::b, i, image.chunks[i]), flash_status::ok);
  EXPECT_GT(f.info(component::app, slot::b).overlay_chunks, 0u);
  // Known content is referenced, not copied, even before the header says which image it is.
  EXPECT_LT(f.heap_bytes(), image.chunks.size() * 256);
  ASSERT_EQ(f.write_header(component::app, slot::b, header), flash_status::ok);
  EXPECT_TRUE(f.info(component::app, slot::b).intact());
  EXPECT_EQ(f.heap_bytes(), 0u);
  for (std::uint32_t i = 0; i < image.chunks.size(); ++i)
    EXPECT_EQ(f.read_chunk(component::app, slot::b, i), image.chunks[i]);
}

TEST(sim_flash, foreign_bytes_live_in_the_overlay_until_rewritten) {
  chunk_store store;
  const auto image = make_image("thermo-app", "1.0.0", 8 * 1024);
  sim_flash f(store, 1, 0);
  provision(f, component::app, slot::a, image);
  const std::string attacker(1024, 'A');
  ASSERT_EQ(f.write_chunk(component::app, slot::a, 3, attacker), flash_status::ok);
  EXPECT_EQ(f.read_chunk(component::app, slot::a, 3), attacker);
  EXPECT_EQ(f.read_chunk(component::app, slot::a, 4), image.chunks[4]);
  EXPECT_EQ(f.info(component::app, slot::a).overlay_chunks, 1u);
  EXPECT_FALSE(f.info(component::app, slot::a).intact());
  EXPECT_GT(f.heap_bytes(), 1024u);

  ASSERT_EQ(f.write_chunk(component::app, slot::a, 3, image.chunks[3]), flash_status::ok);
  EXPECT_TRUE(f.info(component::app, slot::a).intact());
  EXPECT_EQ(f.heap_bytes(), 0u);
}

TEST(sim_flash, a_new_header_keeps_the_chunks_already_there) {
  chunk_store store;
  const auto v1 = make_image("thermo-app", "1.0.0", 4 * 1024);
  const auto v2 = make_image("thermo-app", "2.0.0", 4 * 1024);
  sim_flash f(store, 1, 0);
  provision(f, component::app, slot::a, v1);
  const std::string h2(store.register_image(v2).header);
  ASSERT_EQ(f.write_header(component::app, slot::a, h2), flash_status::ok);
  EXPECT_EQ(f.read_header(component::app, slot::a), h2);
  for (std::uint32_t i = 0; i < v1.chunks.size(); ++i)
    EXPECT_EQ(f.read_chunk(component::app, slot::a, i), v1.chunks[i]);
  for (std::uint32_t i = 0; i < v2.chunks.size(); ++i)
    ASSERT_EQ(f.write_chunk(component::app, slot::a, i, v2.chunks[i]), flash_status::ok);
  EXPECT_TRUE(f.info(component::app, slot::a).intact());
}

// ------------------------------------------------------------ power loss

struct update_run {
  std::vector<flash_status> statuses;
};

/// An update as a firmware would write it: metadata, erase, header, chunks, metadata.
update_run run_update(sim_flash& f, const wire::built_image& v2, std::string_view h2) {
  update_run r;
  r.statuses.push_back(f.write_metadata(1, std::string(metadata_sector_bytes_max, 'n')));
  r.statuses.push_back(f.erase_slot(component::app, slot::b));
  r.statuses.push_back(f.write_header(component::app, slot::b, h2));
  for (std::uint32_t i = 0; i < v2.chunks.size(); ++i)
    r.statuses.push_back(f.write_chunk(component::app, slot::b, i, v2.chunks[i]));
  r.statuses.push_back(f.write_metadata(0, std::string(metadata_sector_bytes_max - 16, 'N')));
  return r;
}

TEST(sim_flash, power_loss_at_every_write_tears_it_and_refuses_the_rest) {
  chunk_store store;
  const auto v1 = make_image("thermo-app", "1.0.0", 6 * 1024);
  const auto v2 = make_image("thermo-app", "2.0.0", 6 * 1024);
  const std::string h2(store.register_image(v2).header);

  auto fresh = [&](std::uint64_t index) {
    auto f = std::make_unique<sim_flash>(store, 99, index);
    provision(*f, component::app, slot::a, v1);
    provision(*f, component::app, slot::b, v1);
    EXPECT_EQ(f->write_metadata(0, std::string(metadata_sector_bytes_max, 'o')), flash_status::ok);
    EXPECT_EQ(f->write_metadata(1, std::string(metadata_sector_bytes_max, 'O')), flash_status::ok);
    return f;
  };

  auto reference = fresh(0);
  const std::uint64_t base = reference->writes_done();
  run_update(*reference, v2, h2);
  const auto writes = static_cast<std::uint32_t>(reference->writes_done() - base);
  ASSERT_EQ(writes, 4u + v2.chunks.size());

  std::size_t neither_old_nor_new = 0;
  for (std::uint32_t k = 1; k <= writes; ++k) {
    SCOPED_TRACE("power lost at write " + std::to_string(k));
    auto f = fresh(k);
    f->arm_power_cut(k);
    const update_run r = run_update(*f, v2, h2);
    for (std::uint32_t i = 0; i < writes; ++i)
      EXPECT_EQ(r.statuses[i], i + 1 < k ? flash_status::ok : flash_status::power_lost) << i;
    EXPECT_FALSE(f->powered());
    EXPECT_EQ(f->writes_done() - base, k);  // refused writes are not counted

    // Later writes change nothing.
    const auto after = snapshot(*f);
    EXPECT_EQ(f->write_metadata(0, "x"), flash_status::power_lost);
    EXPECT_EQ(f->erase_slot(component::app, slot::a), flash_status::power_lost);
    EXPECT_EQ(f->write_chunk(component::app, slot::a, 0, "x"), flash_status::power_lost);
    EXPECT_EQ(f->write_header(component::app, slot::a, "x"), flash_status::power_lost);
    EXPECT_EQ(snapshot(*f), after);

    // What write k left behind.
    const std::uint32_t last = writes;
    if (k == 1 || k == last) {
      const std::uint32_t sector = k == 1 ? 1 : 0;
      const std::string old_bytes(96, k == 1 ? 'O' : 'o');
      const std::string wanted = k == 1 ? std::string(metadata_sector_bytes_max, 'n') : std::string(metadata_sector_bytes_max - 16, 'N');
      const std::string_view got = f->read_metadata(sector);
      EXPECT_TRUE(is_torn_form(got, old_bytes, wanted));
      if (got != old_bytes && got != wanted) ++neither_old_nor_new;
    } else if (k == 2) {
      const std::string old_header(store.register_image(v1).header);
      const std::string_view header = f->read_header(component::app, slot::b);
      EXPECT_TRUE(is_torn_erase_header(header, old_header));
      // Erased chunks form a prefix; the rest survive unchanged.
      bool erasing = true;
      for (std::uint32_t i = 0; i < v1.chunks.size(); ++i) {
        const std::string_view c = f->read_chunk(component::app, slot::b, i);
        if (erasing && !c.empty()) erasing = false;
        if (!erasing) {
          EXPECT_EQ(c, v1.chunks[i]) << "chunk " << i;
        }
      }
      if (!header.empty() || !erasing) ++neither_old_nor_new;
    } else if (k == 3) {
      const std::string_view header = f->read_header(component::app, slot::b);
      EXPECT_TRUE(is_torn_form(header, "", h2));
      if (header != h2) ++neither_old_nor_new;
    } else {
      const std::uint32_t chunk = k - 4;
      const std::string_view got = f->read_chunk(component::app, slot::b, chunk);
      EXPECT_TRUE(is_torn_form(got, "", v2.chunks[chunk]));
      if (got != v2.chunks[chunk] && !got.empty()) ++neither_old_nor_new;
      for (std::uint32_t i = 0; i < chunk; ++i)
        EXPECT_EQ(f->read_chunk(component::app, slot::b, i), v2.chunks[i]);
    }

    // Power back: writes work again.
    f->restore_power();
    EXPECT_EQ(f->write_metadata(0, "again"), flash_status::ok);
    EXPECT_EQ(f->read_metadata(0), "again");
  }
  // Torn writes leave neither the old nor the new bytes, in general.
  EXPECT_GE(neither_old_nor_new, writes / 2);
}

TEST(sim_flash, torn_bytes_depend_on_the_seed_only) {
  chunk_store store;
  const auto image = make_image("thermo-app", "1.0.0", 2048);
  auto torn_chunk = [&](std::uint64_t seed, std::uint64_t index) {
    sim_flash f(store, seed, index);
    f.arm_power_cut(1);
    EXPECT_EQ(f.write_chunk(component::app, slot::a, 0, image.chunks[0]), flash_status::power_lost);
    return std::string(f.read_chunk(component::app, slot::a, 0));
  };
  EXPECT_EQ(torn_chunk(5, 3), torn_chunk(5, 3));
  // Over several devices the tear point moves.
  std::set<std::string> seen;
  for (std::uint64_t i = 0; i < 8; ++i) seen.insert(torn_chunk(5, i));
  EXPECT_GT(seen.size(), 1u);
}

TEST(sim_flash, cut_power_now_fails_the_next_write_without_tearing) {
  chunk_store store;
  sim_flash f(store, 1, 0);
  ASSERT_EQ(f.write_metadata(0, "old"), flash_status::ok);
  f.cut_power_now();
  EXPECT_EQ(f.write_metadata(0, "new"), flash_status::power_lost);
  EXPECT_EQ(f.read_metadata(0), "old");
  EXPECT_EQ(f.writes_done(), 1u);
  f.restore_power();
  EXPECT_EQ(f.write_metadata(0, "new"), flash_status::ok);
  EXPECT_EQ(f.read_metadata(0), "new");

  // A cut armed before power comes back stays armed.
  f.cut_power_now();
  f.arm_power_cut(2);
  f.restore_power();
  EXPECT_EQ(f.write_metadata(1, "one"), flash_status::ok);
  EXPECT_EQ(f.write_metadata(1, "two"), flash_status::power_lost);
}

// What the engine counts as a torn write injected (issue 18): a cut armed
// is not one until a write tears.
TEST(sim_flash, cuts_fired_counts_the_armed_cuts_that_tore_a_write_only) {
  chunk_store store;
  sim_flash f(store, 1, 0);
  f.arm_power_cut(1);
  EXPECT_EQ(f.cuts_fired(), 0u);  // armed, no write yet
  f.cut_power_now();               // the power went otherwise first: disarmed
  f.restore_power();
  EXPECT_EQ(f.write_metadata(0, "kept"), flash_status::ok);
  EXPECT_EQ(f.cuts_fired(), 0u);

  f.arm_power_cut(2);
  EXPECT_EQ(f.write_metadata(0, "one"), flash_status::ok);
  EXPECT_EQ(f.cuts_fired(), 0u);
  EXPECT_EQ(f.write_metadata(0, "two"), flash_status::power_lost);
  EXPECT_EQ(f.cuts_fired(), 1u);
  EXPECT_EQ(f.write_metadata(0, "three"), flash_status::power_lost);  // refused, not torn
  EXPECT_EQ(f.cuts_fired(), 1u);

  f.restore_power();
  f.arm_power_cut(1);
  EXPECT_EQ(f.erase_slot(component::app, slot::a), flash_status::power_lost);
  EXPECT_EQ(f.cuts_fired(), 2u);
}

// ------------------------------------------------------------ bit rot

TEST(sim_flash, bit_rot_flips_one_bit_on_one_device_only) {
  chunk_store store;
  const auto image = make_image("thermo-app", "1.0.0", 4 * 1024);
  sim_flash one(store, 1, 0);
  sim_flash two(store, 1, 1);
  for (sim_flash* f : {&one, &two}) {
    provision(*f, component::app, slot::a, image);
    ASSERT_EQ(f->write_metadata(0, std::string(metadata_sector_bytes_max, '\0')), flash_status::ok);
  }
  const auto one_before = snapshot(one);
  const auto two_before = snapshot(two);

  ASSERT_TRUE(one.rot_bit(component::app, slot::a, 2, 13));
  auto now = snapshot(one);
  EXPECT_EQ(differing_bits(one_before, now), 1u);
  EXPECT_EQ(static_cast<unsigned char>(one.read_chunk(component::app, slot::a, 2)[1] ^ image.chunks[2][1]), 1u << 5);

  ASSERT_TRUE(one.rot_header_bit(component::app, slot::a, 7));
  ASSERT_TRUE(one.rot_metadata_bit(0, (metadata_sector_bytes_max - 1) * 8 + 7));  // the last bit
  EXPECT_EQ(differing_bits(one_before, snapshot(one)), 3u);

  EXPECT_EQ(snapshot(two), two_before);  // the other device shares the bytes, not the rot
  EXPECT_EQ(store.register_image(image).chunks[2], image.chunks[2]);

  EXPECT_FALSE(one.rot_bit(component::app, slot::a, 9, 0));  // no such chunk
  EXPECT_FALSE(one.rot_metadata_bit(1, 0));                   // unwritten sector
  EXPECT_FALSE(one.rot_header_bit(component::os, slot::b, 0));
}

TEST(sim_flash, random_rot_flips_exactly_one_stored_bit_deterministically) {
  chunk_store store;
  const auto image = make_image("thermo-app", "1.0.0", 4 * 1024);
  auto run = [&](std::uint64_t index) {
    sim_flash f(store, 3, index);
    provision(f, component::app, slot::a, image);
    EXPECT_EQ(f.write_metadata(0, std::string(metadata_sector_bytes_max - 8, 'm')), flash_status::ok);
    const auto before = snapshot(f);
    std::vector<rot_site> sites;
    for (int i = 0; i < 20; ++i) {
      const auto prior = snapshot(f);
      auto site = f.rot_random_bit();
      EXPECT_TRUE(site.has_value());
      EXPECT_EQ(differing_bits(prior, snapshot(f)), 1u);
      sites.push_back(*site);
    }
    return sites;
  };
  const auto a = run(4);
  const auto b = run(4);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].where, b[i].where);
    EXPECT_EQ(a[i].index, b[i].index);
    EXPECT_EQ(a[i].bit, b[i].bit);
  }
  sim_flash empty(store, 3, 5);
  EXPECT_FALSE(empty.rot_random_bit().has_value());
}

}  // namespace
}  // namespace fleet::device
