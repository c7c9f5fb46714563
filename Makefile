# Two commands do all set-up on a fresh Debian 12 machine (as root):
#   make run    installs what is missing, builds Release, classifies the embedded images
#   make test   installs what is missing, builds, runs every test through ctest
BUILD ?= build/release
JOBS ?= $(shell nproc)

.PHONY: run test setup build clean

setup:
	bash scripts/setup

build: setup
	cmake -G Ninja -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release
	cmake --build $(BUILD) -j $(JOBS)

run: build
	$(BUILD)/bin/steadfast run

test: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)
	bash scripts/sanitize_and_fuzz

clean:
	rm -rf build
