#include "fleet/device/chunk_store.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "fleet/device/sim_flash.hpp"
#include "test_images.hpp"

namespace fleet::device {
namespace {

using testing::make_image;
using testing::make_image_from;

TEST(chunk_store, equal_bytes_intern_to_the_same_id) {
  chunk_store store;
  const chunk_id a = store.intern_chunk("hello chunk");
  const chunk_id b = store.intern_chunk(std::string("hello ") + "chunk");
  const chunk_id c = store.intern_chunk("other chunk");
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_EQ(store.chunk(a), "hello chunk");
  EXPECT_EQ(store.chunk(c), "other chunk");
  EXPECT_EQ(store.stats().chunks, 2u);
  EXPECT_EQ(store.stats().chunk_bytes, 22u);
  EXPECT_EQ(store.find_chunk("hello chunk"), a);
  EXPECT_EQ(store.find_chunk("never interned"), no_chunk);
}

TEST(chunk_store, views_stay_valid_while_the_store_grows) {
  chunk_store store;
  const std::string_view first = store.chunk(store.intern_chunk("x"));  // short: inline in std::string
  for (int i = 0; i < 5000; ++i) store.intern_chunk("chunk " + std::to_string(i));
  EXPECT_EQ(first, "x");
  EXPECT_EQ(store.chunk(0), "x");
}

TEST(chunk_store, content_hash_separates_lengths_and_bytes) {
  EXPECT_EQ(content_hash("abc"), content_hash(std::string("abc")));
  EXPECT_NE(content_hash("abc"), content_hash("abd"));
  EXPECT_NE(content_hash(std::string(1, '\0')), content_hash(std::string(2, '\0')));
  std::string big(4096, 'a');
  const auto h = content_hash(big);
  big[4000] = 'b';
  EXPECT_NE(h, content_hash(big));
}

TEST(chunk_store, registering_an_image_indexes_it_by_header) {
  chunk_store store;
  const auto image = make_image("thermo-app", "1.0.0", 10 * 1024 + 100);
  const stored_image& stored = store.register_image(image);
  EXPECT_EQ(stored.header, wire::serialize(image.signed_manifest));
  ASSERT_EQ(stored.chunks.size(), image.chunks.size());
  for (std::size_t i = 0; i < image.chunks.size(); ++i) EXPECT_EQ(stored.chunks[i], image.chunks[i]);
  EXPECT_EQ(stored.image_name, "thermo-app");
  EXPECT_EQ(stored.version, (wire::version{1, 0, 0}));
  EXPECT_EQ(store.find_image(stored.header), &stored);
  EXPECT_EQ(store.find_image("not a header"), nullptr);
  EXPECT_EQ(store.find_image(""), nullptr);

  const auto before = store.stats();
  EXPECT_EQ(&store.register_image(image), &stored);  // idempotent
  EXPECT_EQ(store.stats().chunk_bytes, before.chunk_bytes);
  EXPECT_EQ(store.stats().images, 1u);
}

TEST(chunk_store, images_that_share_chunks_store_them_once) {
  chunk_store store;
  std::string content = wire::synthetic_image_content("thermo-app", "1.0.0", 8 * 1024);
  const auto v1 = make_image_from("thermo-app", "1.0.0", content);
  content[8 * 1024 - 1] ^= 1;  // v2 differs in its last chunk only
  const auto v2 = make_image_from("thermo-app", "1.0.1", content);
  store.register_image(v1);
  store.register_image(v2);
  EXPECT_EQ(store.stats().images, 2u);
  EXPECT_EQ(store.stats().chunks, 9u);
  EXPECT_EQ(store.stats().chunk_bytes, 9u * 1024);
}

TEST(chunk_store, provisioning_a_second_device_adds_no_bytes) {
  chunk_store store;
  const auto image = make_image("thermo-app", "1.0.0", 64 * 1024);
  sim_flash first(store, 1, 0);
  provision(first, fw::component::app, fw::slot::a, image);
  provision(first, fw::component::app, fw::slot::b, image);
  const auto after_first = store.stats();
  EXPECT_EQ(after_first.chunk_bytes, 64u * 1024);

  sim_flash second(store, 1, 1);
  provision(second, fw::component::app, fw::slot::a, image);
  provision(second, fw::component::app, fw::slot::b, image);
  const auto after_second = store.stats();
  EXPECT_EQ(after_second.chunks, after_first.chunks);
  EXPECT_EQ(after_second.chunk_bytes, after_first.chunk_bytes);
  EXPECT_EQ(after_second.header_bytes, after_first.header_bytes);
  EXPECT_EQ(second.heap_bytes(), 0u);  // no per-device copy of any byte
  EXPECT_TRUE(second.info(fw::component::app, fw::slot::b).intact());
}

TEST(chunk_store, concurrent_interning_gives_one_id_per_content) {
  chunk_store store;
  constexpr int per_thread = 2000;
  std::vector<chunk_id> ids[2];
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&store, &ids, t] {
      for (int i = 0; i < per_thread; ++i) ids[t].push_back(store.intern_chunk("c" + std::to_string(i)));
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ids[0], ids[1]);
  EXPECT_EQ(store.stats().chunks, static_cast<std::size_t>(per_thread));
  for (int i = 0; i < per_thread; ++i) EXPECT_EQ(store.chunk(ids[0][i]), "c" + std::to_string(i));
}

}  // namespace
}  // namespace fleet::device
