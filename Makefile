# tfy — the two set-up commands of README.md live here.
#   make test   install what is missing, build, run the whole test suite
#   make bench  run the benchmarks under benchmarks/

SHELL := /bin/bash
SWIFT ?= swift
APT_PACKAGES := libyaml-dev libcurl4-openssl-dev libssl-dev pkg-config

.PHONY: deps build test bench clean

# Debian packages the build needs; installed only when missing (needs root, as CI is).
deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		SUDO=""; [ "$$(id -u)" -eq 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

build: deps
	$(SWIFT) build

# swift test ends with Swift Testing's summary line ("Test run with N tests ... passed").
test: build
	$(SWIFT) test

bench: deps
	$(SWIFT) build -c release --product tfy-bench
	.build/release/tfy-bench

clean:
	rm -rf .build
