#pragma once
// The real security service (cloud-model) as a device_world's cloud: one
// endpoint per network location (source), so two worlds on one service are
// two places, as a cloned identity would be. And how device-side images get
// into a service.

#include <vector>

#include "fleet/cloud/security_service.hpp"
#include "fleet/fw/config.hpp"
#include "fleet/testing/cloud_endpoint.hpp"
#include "fleet/testing/test_keys.hpp"
#include "fleet/wire/image.hpp"

namespace fleet::testing {

class service_endpoint : public cloud_endpoint {
 public:
  service_endpoint(cloud::security_service& service, cloud::source_id source)
      : service_(service), source_(source) {}
  std::vector<std::string> handle(fw::sim_time now, std::string_view request) override {
    return service_.handle(now, request, source_);
  }
  cloud::source_id source() const { return source_; }

 private:
  cloud::security_service& service_;
  cloud::source_id source_;
};

/// A stored image as the device side builds and provisions images.
wire::built_image built_from(const cloud::stored_image& image);

/// The ROM a device of this service holds: the service root key and every
/// image-signing key the service trusts.
fw::rom service_rom(const cloud::security_service& service, const crypto::public_key& service_root);

/// Uploads the content and spec of an image built on the device side; the
/// service signs it. The image as the service stores and serves it.
wire::built_image upload_built(cloud::security_service& service, const wire::built_image& image,
                               fw::sim_time now = fw::sim_time{0});

/// Uploads the factory boot chain (the content of factory_images(keys)) to
/// the service, which signs it: the images a service-backed world provisions.
std::vector<wire::built_image> upload_factory_images(cloud::security_service& service, const test_keys& keys,
                                                     fw::sim_time now = fw::sim_time{0});

}  // namespace fleet::testing
