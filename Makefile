# The README's two commands: `make run` and `make test`.
BUILD_DIR ?= build
JOBS ?= 2
BUILD_TYPE ?= RelWithDebInfo
CMAKE_FLAGS ?=
PREFIX ?= /usr/local

.PHONY: setup configure build run test bench install clean

setup:
	@bash scripts/setup.sh

$(BUILD_DIR)/CMakeCache.txt:
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_FLAGS)

configure: setup $(BUILD_DIR)/CMakeCache.txt

build: configure
	cmake --build $(BUILD_DIR) -j$(JOBS)

run: build
	$(BUILD_DIR)/cli/fleetsim run scenarios/quickstart.textproto --report $(BUILD_DIR)/quickstart-report.json

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j$(JOBS)

bench: configure
	cmake --build $(BUILD_DIR) -j$(JOBS) --target fleet_benchmarks
	$(BUILD_DIR)/bench/device_bench
	$(BUILD_DIR)/bench/cloud_bench
	$(BUILD_DIR)/bench/grpc_bench
	$(BUILD_DIR)/bench/state_bench --attestations 20000
	$(BUILD_DIR)/bench/engine_bench --scenario scenarios/quickstart.textproto

# The fleetsim program into $(PREFIX)/bin (PREFIX=~/.local: no root needed),
# so that the replay command a run prints works as written.
install: build
	cmake --install $(BUILD_DIR) --prefix $(PREFIX)

clean:
	rm -rf $(BUILD_DIR)
