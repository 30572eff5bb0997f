# tfy — the two set-up commands of README.md live here.
#   make demo   install what is missing, build, run the Tachyon cluster demo against local moto and sshd hosts
#   make test   install what is missing, build, run the whole test suite
#   make bench  run the benchmarks under benchmarks/

SHELL := /bin/bash
SWIFT ?= swift
APT_PACKAGES := libyaml-dev libcurl4-openssl-dev libssl-dev pkg-config openssh-client openssh-server shellcheck python3 python3-pip
PYTHON ?= python3

.PHONY: deps build demo test bench clean

# Debian packages the build needs; installed only when missing (needs root, as CI is).
deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		SUDO=""; [ "$$(id -u)" -eq 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi
	@# The EC2 emulator and an independent AWS client, for the tests (PyPI).
	@if ! $(PYTHON) -c "import moto.server, werkzeug, boto3" >/dev/null 2>&1 || ! command -v aws >/dev/null; then \
		echo "installing: moto[server] boto3 awscli"; \
		$(PYTHON) -m pip install -q 'moto[server]' boto3 awscli || $(PYTHON) -m pip install -q --break-system-packages 'moto[server]' boto3 awscli; \
	fi

build: deps
	$(SWIFT) build

demo: build
	examples/tachyon-ft/demo.sh

# swift test ends with Swift Testing's summary line ("Test run with N tests ... passed").
test: build
	$(SWIFT) test

bench: deps
	$(SWIFT) build -c release --product tfy-bench
	$(SWIFT) build -c release --product tfy-aws-bench
	$(SWIFT) build -c release --product tfy-apply-bench
	$(SWIFT) build -c release --product tfy-state-bench
	.build/release/tfy-bench
	.build/release/tfy-aws-bench
	.build/release/tfy-apply-bench
	.build/release/tfy-state-bench
	$(SWIFT) build -c release --product tfy
	benchmarks/tachyon-bench.sh

clean:
	rm -rf .build
