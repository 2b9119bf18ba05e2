#include "fleet/device/sim_flash.hpp"

#include <algorithm>
#include <utility>

#include "fleet/check.hpp"
#include "fleet/wire/limits.hpp"

namespace fleet::device {

static_assert(header_bytes_max >= wire::envelope_bytes_max, "a manifest must fit in a header");

sim_flash::sim_flash(chunk_store& store, std::uint64_t run_seed, std::uint64_t device_index)
    : store_(&store), rng_(run_seed, device_index, "flash") {}

sim_flash::~sim_flash() = default;

// ---------------------------------------------------------------- helpers

namespace {

std::size_t slot_index(fw::component c, fw::slot s) {
  const std::size_t i = fw::index_of(c);
  FLEET_CHECK(i < fw::component_count, "component out of range");
  return i * 2 + (s == fw::slot::b ? 1 : 0);
}

}  // namespace

sim_flash::slot_state& sim_flash::at(fw::component c, fw::slot s) { return slots_[slot_index(c, s)]; }

const sim_flash::slot_state& sim_flash::at(fw::component c, fw::slot s) const {
  return slots_[slot_index(c, s)];
}

sim_flash::slot_overlay& sim_flash::overlay_of(slot_state& s) {
  if (!s.overlay) s.overlay = std::make_unique<slot_overlay>();
  return *s.overlay;
}

void sim_flash::drop_overlay_if_empty(slot_state& s) {
  if (s.overlay && s.overlay->chunks.empty() &&
      s.header != slot_info::header_kind::own_bytes)
    s.overlay.reset();
}

std::string_view sim_flash::header_of(const slot_state& s) {
  switch (s.header) {
    case slot_info::header_kind::empty: return {};
    case slot_info::header_kind::image: return s.image->header;
    case slot_info::header_kind::own_bytes: return s.overlay->header;
  }
  return {};
}

std::string_view sim_flash::chunk_of(const slot_state& s, std::uint32_t index) {
  if (s.overlay) {
    auto it = s.overlay->chunks.find(index);
    if (it != s.overlay->chunks.end()) return it->second.view();
  }
  if (s.image != nullptr && index < s.prefix) return s.image->chunks[index];
  return {};
}

std::uint32_t sim_flash::chunk_extent(const slot_state& s) {
  std::uint32_t extent = s.prefix;
  if (s.overlay && !s.overlay->chunks.empty())
    extent = std::max(extent, s.overlay->chunks.rbegin()->first + 1);
  return extent;
}

const char* name_of(write_kind k) {
  switch (k) {
    case write_kind::erase: return "erase";
    case write_kind::header: return "header";
    case write_kind::chunk: return "chunk";
    case write_kind::metadata: return "metadata";
  }
  return "?";
}

sim_flash::gate sim_flash::pass_gate(write_kind kind) {
  if (!powered_) return gate::refused;
  ++writes_done_;
  if (cut_countdown_ != 0 && --cut_countdown_ == 0) {
    powered_ = false;
    ++cuts_fired_;
    last_torn_ = kind;
    return gate::torn;
  }
  return gate::proceed;
}

std::string sim_flash::torn(std::string_view before, std::string_view wanted) {
  const std::size_t keep = static_cast<std::size_t>(rng_.below(wanted.size()));
  std::string out(wanted.substr(0, keep));
  out.reserve(wanted.size());
  for (std::size_t i = keep; i < wanted.size(); ++i)
    out.push_back(i < before.size() ? before[i] : '\xff');
  return out;
}

void sim_flash::absorb(slot_state& s) {
  if (s.image == nullptr || !s.overlay) return;
  auto& chunks = s.overlay->chunks;
  while (s.prefix < s.image->chunks.size()) {
    auto it = chunks.find(s.prefix);
    if (it == chunks.end() || it->second.view() != s.image->chunks[s.prefix]) break;
    chunks.erase(it);
    ++s.prefix;
  }
  drop_overlay_if_empty(s);
}

void sim_flash::rebase(slot_state& s, const stored_image* image) {
  if (s.image == image) return;
  if (s.image != nullptr && s.prefix > 0) {
    // Chunks the old base supplied become shared overlay references: the
    // bytes are interned, so this copies nothing.
    auto& chunks = overlay_of(s).chunks;
    for (std::uint32_t i = 0; i < s.prefix; ++i) {
      overlay_chunk ref;
      ref.shared = s.image->chunks[i];
      chunks.emplace(i, std::move(ref));  // an existing override wins
    }
  }
  s.image = image;
  s.prefix = 0;
  absorb(s);
}

void sim_flash::set_own_header(slot_state& s, std::string bytes) {
  if (bytes.empty()) {
    s.header = slot_info::header_kind::empty;
    if (s.overlay) s.overlay->header.clear();
    drop_overlay_if_empty(s);
    return;
  }
  overlay_of(s).header = std::move(bytes);
  s.header = slot_info::header_kind::own_bytes;
}

void sim_flash::set_header(slot_state& s, std::string_view bytes) {
  if (const stored_image* image = store_->find_image(bytes)) {
    rebase(s, image);
    s.header = slot_info::header_kind::image;
    if (s.overlay) {
      std::string().swap(s.overlay->header);
      drop_overlay_if_empty(s);
    }
    return;
  }
  set_own_header(s, std::string(bytes));
}

void sim_flash::set_chunk(slot_state& s, std::uint32_t index, std::string_view bytes) {
  const bool in_image = s.image != nullptr && index < s.image->chunks.size();
  if (in_image && bytes == s.image->chunks[index]) {
    if (index <= s.prefix) {
      if (s.overlay) s.overlay->chunks.erase(index);
      if (index == s.prefix) {
        ++s.prefix;
        absorb(s);
      }
      drop_overlay_if_empty(s);
      return;
    }
    overlay_chunk ref;  // ahead of the prefix: a reference, folded in later
    ref.shared = s.image->chunks[index];
    overlay_of(s).chunks.insert_or_assign(index, std::move(ref));
    return;
  }
  if (index >= s.prefix && bytes.empty()) {
    // Nothing below to hide: an empty chunk is simply absent.
    if (s.overlay) s.overlay->chunks.erase(index);
    drop_overlay_if_empty(s);
    return;
  }
  overlay_chunk entry;
  const chunk_id known = bytes.empty() ? no_chunk : store_->find_chunk(bytes);
  if (bytes.empty()) {
    entry.shared = {};
  } else if (known != no_chunk) {
    entry.shared = store_->chunk(known);  // known content: share, don't copy
  } else {
    entry.is_shared = false;
    entry.owned.assign(bytes);
  }
  overlay_of(s).chunks.insert_or_assign(index, std::move(entry));
}

void sim_flash::set_erased(slot_state& s, std::uint32_t index) {
  if (index < s.prefix) {
    overlay_of(s).chunks.insert_or_assign(index, overlay_chunk{});  // hides the base
  } else if (s.overlay) {
    s.overlay->chunks.erase(index);
    drop_overlay_if_empty(s);
  }
}

void sim_flash::tear_erase(slot_state& s) {
  // The header goes first: gone, or half-erased (a run of 0xFF over its start).
  const std::string_view old_header = header_of(s);
  if (rng_.chance(0.5) || old_header.empty()) {
    set_own_header(s, std::string());
  } else {
    std::string garbled(old_header);
    const std::size_t wiped = 1 + static_cast<std::size_t>(rng_.below(garbled.size()));
    std::fill_n(garbled.begin(), wiped, '\xff');
    set_own_header(s, std::move(garbled));
  }
  // Chunks are erased in index order; the power went somewhere along the way.
  const std::uint32_t extent = chunk_extent(s);
  const auto erased = static_cast<std::uint32_t>(rng_.below(std::uint64_t{extent} + 1));
  for (std::uint32_t i = 0; i < erased; ++i) set_erased(s, i);
}

// ---------------------------------------------------------------- flash_hal

std::string_view sim_flash::read_header(fw::component c, fw::slot s) {
  return header_of(at(c, s));
}

std::string_view sim_flash::read_chunk(fw::component c, fw::slot s, std::uint32_t index) {
  return chunk_of(at(c, s), index);
}

fw::flash_status sim_flash::erase_slot(fw::component c, fw::slot s) {
  slot_state& st = at(c, s);
  switch (pass_gate(write_kind::erase)) {
    case gate::refused: return fw::flash_status::power_lost;
    case gate::torn: tear_erase(st); return fw::flash_status::power_lost;
    case gate::proceed: break;
  }
  st = slot_state{};
  return fw::flash_status::ok;
}

fw::flash_status sim_flash::write_header(fw::component c, fw::slot s, std::string_view bytes) {
  FLEET_CHECK(bytes.size() <= header_bytes_max, "header larger than header_bytes_max");
  slot_state& st = at(c, s);
  switch (pass_gate(write_kind::header)) {
    case gate::refused: return fw::flash_status::power_lost;
    case gate::torn: set_own_header(st, torn(header_of(st), bytes)); return fw::flash_status::power_lost;
    case gate::proceed: break;
  }
  set_header(st, bytes);
  return fw::flash_status::ok;
}

fw::flash_status sim_flash::write_chunk(fw::component c, fw::slot s, std::uint32_t index,
                                        std::string_view bytes) {
  FLEET_CHECK(index < wire::image_chunks_max, "chunk index past image_chunks_max");
  FLEET_CHECK(bytes.size() <= wire::chunk_bytes_max, "chunk larger than chunk_bytes_max");
  slot_state& st = at(c, s);
  switch (pass_gate(write_kind::chunk)) {
    case gate::refused: return fw::flash_status::power_lost;
    case gate::torn: {
      const std::string half = torn(chunk_of(st, index), bytes);
      set_chunk(st, index, half);
      return fw::flash_status::power_lost;
    }
    case gate::proceed: break;
  }
  set_chunk(st, index, bytes);
  return fw::flash_status::ok;
}

std::string_view sim_flash::read_metadata(std::uint32_t sector) {
  FLEET_CHECK(sector < metadata_sector_count, "metadata sector out of range");
  return {metadata_[sector].data(), metadata_size_[sector]};
}

fw::flash_status sim_flash::write_metadata(std::uint32_t sector, std::string_view bytes) {
  FLEET_CHECK(sector < metadata_sector_count, "metadata sector out of range");
  FLEET_CHECK(bytes.size() <= metadata_sector_bytes_max, "metadata larger than a sector");
  std::string torn_bytes;
  const gate g = pass_gate(write_kind::metadata);
  if (g == gate::refused) return fw::flash_status::power_lost;
  if (g == gate::torn) {
    torn_bytes = torn(read_metadata(sector), bytes);
    bytes = torn_bytes;
  }
  std::copy(bytes.begin(), bytes.end(), metadata_[sector].begin());
  metadata_size_[sector] = static_cast<std::uint8_t>(bytes.size());
  return g == gate::torn ? fw::flash_status::power_lost : fw::flash_status::ok;
}

// ---------------------------------------------------------------- power

void sim_flash::arm_power_cut(std::uint32_t writes_from_now) {
  FLEET_CHECK(writes_from_now >= 1, "arm_power_cut counts from 1 (the next write)");
  cut_countdown_ = writes_from_now;
}

void sim_flash::cut_power_now() {
  powered_ = false;
  cut_countdown_ = 0;
}

void sim_flash::restore_power() { powered_ = true; }

// ---------------------------------------------------------------- bit rot

bool sim_flash::rot_bit(fw::component c, fw::slot s, std::uint32_t chunk_index, std::uint64_t bit) {
  slot_state& st = at(c, s);
  const std::string_view now = chunk_of(st, chunk_index);
  if (bit >= std::uint64_t{now.size()} * 8) return false;
  std::string rotten(now);
  rotten[bit / 8] = static_cast<char>(rotten[bit / 8] ^ (1 << (bit % 8)));
  set_chunk(st, chunk_index, rotten);
  return true;
}

bool sim_flash::rot_header_bit(fw::component c, fw::slot s, std::uint64_t bit) {
  slot_state& st = at(c, s);
  const std::string_view now = header_of(st);
  if (bit >= std::uint64_t{now.size()} * 8) return false;
  std::string rotten(now);
  rotten[bit / 8] = static_cast<char>(rotten[bit / 8] ^ (1 << (bit % 8)));
  set_own_header(st, std::move(rotten));
  return true;
}

bool sim_flash::rot_metadata_bit(std::uint32_t sector, std::uint64_t bit) {
  FLEET_CHECK(sector < metadata_sector_count, "metadata sector out of range");
  if (bit >= std::uint64_t{metadata_size_[sector]} * 8) return false;
  char& byte = metadata_[sector][bit / 8];
  byte = static_cast<char>(byte ^ (1 << (bit % 8)));
  return true;
}

std::optional<rot_site> sim_flash::rot_random_bit() {
  // Uniform over every stored bit: count them, draw one, walk to it.
  std::uint64_t total = 0;
  for (std::uint32_t sector = 0; sector < metadata_sector_count; ++sector)
    total += std::uint64_t{metadata_size_[sector]} * 8;
  for (const slot_state& st : slots_) {
    total += std::uint64_t{header_of(st).size()} * 8;
    const std::uint32_t extent = chunk_extent(st);
    for (std::uint32_t i = 0; i < extent; ++i) total += std::uint64_t{chunk_of(st, i).size()} * 8;
  }
  if (total == 0) return std::nullopt;
  std::uint64_t pick = rng_.below(total);

  rot_site site;
  for (std::uint32_t sector = 0; sector < metadata_sector_count; ++sector) {
    const std::uint64_t bits = std::uint64_t{metadata_size_[sector]} * 8;
    if (pick < bits) {
      site.where = rot_site::area::metadata;
      site.index = sector;
      site.bit = pick;
      rot_metadata_bit(sector, pick);
      return site;
    }
    pick -= bits;
  }
  for (std::size_t n = 0; n < slots_.size(); ++n) {
    site.comp = static_cast<fw::component>(n / 2);
    site.which = n % 2 == 0 ? fw::slot::a : fw::slot::b;
    const slot_state& st = slots_[n];
    const std::uint64_t header_bits = std::uint64_t{header_of(st).size()} * 8;
    if (pick < header_bits) {
      site.where = rot_site::area::header;
      site.bit = pick;
      rot_header_bit(site.comp, site.which, pick);
      return site;
    }
    pick -= header_bits;
    const std::uint32_t extent = chunk_extent(st);
    for (std::uint32_t i = 0; i < extent; ++i) {
      const std::uint64_t bits = std::uint64_t{chunk_of(st, i).size()} * 8;
      if (pick < bits) {
        site.where = rot_site::area::chunk;
        site.index = i;
        site.bit = pick;
        rot_bit(site.comp, site.which, i, pick);
        return site;
      }
      pick -= bits;
    }
  }
  FLEET_CHECK(false, "rot_random_bit walked past the last stored bit");
  return std::nullopt;
}

// ---------------------------------------------------------------- inspection

slot_info sim_flash::info(fw::component c, fw::slot s) const {
  const slot_state& st = at(c, s);
  slot_info out;
  out.header = st.header;
  out.image = st.image;
  out.chunks_in_order = st.prefix;
  out.overlay_chunks = st.overlay ? st.overlay->chunks.size() : 0;
  return out;
}

std::size_t sim_flash::heap_bytes() const {
  // Approximate: a std::map node is the value plus three pointers and a colour.
  constexpr std::size_t node_overhead = 4 * sizeof(void*);
  std::size_t bytes = 0;
  for (const slot_state& st : slots_) {
    if (!st.overlay) continue;
    bytes += sizeof(slot_overlay);
    if (st.overlay->header.capacity() > 15) bytes += st.overlay->header.capacity() + 1;
    for (const auto& [index, chunk] : st.overlay->chunks) {
      bytes += node_overhead + sizeof(index) + sizeof(chunk);
      if (!chunk.is_shared && chunk.owned.capacity() > 15) bytes += chunk.owned.capacity() + 1;
    }
  }
  return bytes;
}

void provision(sim_flash& flash, fw::component c, fw::slot s, const wire::built_image& image) {
  FLEET_CHECK(flash.powered() && !flash.power_cut_armed(),
                     "provisioning needs power and no armed cut");
  const stored_image& stored = flash.store().register_image(image);
  FLEET_CHECK(flash.erase_slot(c, s) == fw::flash_status::ok, "provision: erase");
  FLEET_CHECK(flash.write_header(c, s, stored.header) == fw::flash_status::ok,
                     "provision: header");
  for (std::uint32_t i = 0; i < stored.chunks.size(); ++i)
    FLEET_CHECK(flash.write_chunk(c, s, i, stored.chunks[i]) == fw::flash_status::ok,
                       "provision: chunk");
}

}  // namespace fleet::device
