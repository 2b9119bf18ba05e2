#include "fleet/testing/device_world.hpp"

#include <algorithm>

#include "fleet/check.hpp"
#include "fleet/wire/envelope.hpp"

namespace fleet::testing {
namespace {

cloud::service_settings seeded(cloud::service_settings s, std::uint64_t seed) {
  s.seed = seed;
  return s;
}

}  // namespace

device_world::device_world(world_options options)
    : options_(std::move(options)),
      keys_(1),
      config_(keys_.make_device_config(default_product, options_.hardware_revision, options_.trusted_image_keys)) {
  config_.guardian = options_.guardian;
  cloud_endpoint* cloud = options_.endpoint;
  if (cloud == nullptr) {
    setup_ = std::make_unique<service_setup>(keys_, seeded(options_.service, options_.seed));
    for (const std::uint32_t id : options_.trusted_image_keys) setup_->ensure_image_key(now_, id);
    config_.rom_keys = setup_->rom(options_.trusted_image_keys);
    factory_ = setup_->factory();
    link_end_ = std::make_unique<service_endpoint>(setup_->service(), 1);
    cloud = link_end_.get();
  } else {
    if (options_.rom) config_.rom_keys = *options_.rom;
    factory_ = options_.factory.empty() ? factory_images(keys_) : options_.factory;
  }
  faults_ = std::make_unique<fault_endpoint>(*cloud, setup_ ? &setup_->service() : nullptr);

  device::device_spec spec;
  spec.run_seed = options_.seed;
  spec.device_index = 0;
  spec.config = &config_;
  spec.behaviour = &behaviour_;
  spec.guardian = options_.guardian;
  device_ = std::make_unique<device::simulated_device>(spec, store_);
  if (options_.guardian) {
    // A guardian leaves the factory holding the image its legacy device runs,
    // so it knows (and has verified) what it fronts.
    const auto legacy = make_image(keys_, wire::LEGACY_FIRMWARE, "1.0.0", 1, 64 * 1024);
    factory_.push_back(setup_ ? setup_->upload(now_, legacy) : legacy);
  }
  for (std::size_t i = 0; i < factory_.size(); ++i) {
    device::provision(device_->flash(), static_cast<fw::component>(i), fw::slot::a, factory_[i]);
  }
  if (setup_) setup_->enroll(device_->secure_element().device_public_key());
}

service_setup& device_world::setup() {
  FLEET_CHECK(setup_ != nullptr, "device_world: this world talks to another endpoint, not its own service");
  return *setup_;
}

cloud::device_view device_world::show() {
  const auto shown = service().show_device(crypto::to_hex(crypto::as_view(id())));
  FLEET_CHECK(shown.ok(), "device_world: the service does not know the device");
  return shown.value;
}

std::vector<exported_event> device_world::stored_events() { return setup().events(now_, id()); }

void device_world::power_on() {
  scratch_.clear();
  device_->handle(now_, fw::power_on{}, scratch_);
  take(scratch_);
}

void device_world::cut_power() {
  scratch_.clear();
  device_->cut_power(now_, scratch_);
  take(scratch_);
}

wire::built_image device_world::publish(const wire::built_image& image) {
  wire::built_image released = setup_ ? setup_->publish(now_, image) : image;
  store_.register_image(released);
  return released;
}

wire::built_image device_world::upload(const wire::built_image& image) {
  wire::built_image stored = setup().upload(now_, image);
  store_.register_image(stored);
  return stored;
}

void device_world::behave(const wire::built_image& image, device::version_behaviour b) {
  behaviour_.set(image.manifest.image_name(), *wire::parse_version(image.manifest.version()), std::move(b));
}

std::size_t device_world::count(fw::record_kind kind) const {
  return static_cast<std::size_t>(std::count_if(records_.begin(), records_.end(),
                                                [&](const fw::record& r) { return r.kind == kind; }));
}

std::vector<sent_report> device_world::update_reports() const {
  std::vector<sent_report> out;
  std::vector<std::uint64_t> sequences;
  for (const auto& bytes : sent_by_device_) {
    wire::Envelope e;
    if (!e.ParseFromString(bytes) || !e.has_update_result()) continue;
    out.push_back({e.update_result(), false});
    sequences.push_back(e.sequence());
  }
  for (const auto& bytes : sent_to_device_) {
    wire::Envelope e;
    if (!e.ParseFromString(bytes) || !e.has_ack()) continue;
    for (std::size_t i = 0; i < out.size(); ++i) {
      if (sequences[i] == e.sequence()) out[i].acked = true;
    }
  }
  return out;
}

void device_world::inject(const std::string& bytes) {
  scratch_.clear();
  device_->handle(now_, fw::message{bytes}, scratch_);
  take(scratch_);
}

void device_world::take(const fw::outputs& out) {
  for (const auto& o : out) {
    if (const auto* s = std::get_if<fw::send>(&o)) {
      sent_by_device_.push_back(s->bytes);
      addressed_by_device_.push_back(s->body);
      if (!link_down) link_.push_back({now_ + options_.latency, false, s->bytes});
    } else if (const auto* r = std::get_if<fw::record>(&o)) {
      records_.push_back(*r);
    }
  }
}

fw::sim_time device_world::service_deadline() const {
  // A deadline already passed is due now: time never goes back.
  return setup_ ? std::max(setup_->service().next_deadline(), now_) : fw::never;
}

// One event at time `at`: the device's own deadline first, then the
// service's, then the link.
void device_world::step(fw::sim_time at) {
  now_ = at;
  if (device_->next_deadline() <= at) {
    scratch_.clear();
    device_->advance(at, scratch_);
    take(scratch_);
    return;
  }
  if (service_deadline() <= at) {
    setup_->service().advance(at);
    return;
  }
  in_flight m = std::move(link_.front());
  link_.pop_front();
  if (link_down) return;
  if (m.to_device) {
    scratch_.clear();
    device_->handle(at, fw::message{std::move(m.bytes)}, scratch_);
    take(scratch_);
    return;
  }
  for (auto& reply : faults_->handle(at, m.bytes)) {
    if (tamper_to_device) tamper_to_device(reply);
    sent_to_device_.push_back(reply);
    link_.push_back({at + options_.latency, true, std::move(reply)});
  }
}

void device_world::run_until(fw::sim_time until) {
  run_until([] { return false; }, until - now_);
}

bool device_world::run_until(const std::function<bool()>& done, fw::duration limit) {
  const fw::sim_time end = now_ + limit;
  for (std::uint64_t steps = 0;; ++steps) {
    if (steps == world_steps_max) {
      stuck_ = true;
      return done();
    }
    fw::sim_time next = std::min(device_->next_deadline(), service_deadline());
    if (!link_.empty()) next = std::min(next, link_.front().arrives);
    if (next > end) {
      now_ = end;
      return done();
    }
    step(next);
    if (done()) return true;
  }
}

}  // namespace fleet::testing
