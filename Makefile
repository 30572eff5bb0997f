# tfy — the two set-up commands of README.md live here.
#   make demo   install what is missing, build, run the Tachyon cluster demo against local moto and sshd hosts
#   make test   install what is missing, build, run the whole test suite
#   make bench  run the benchmarks under benchmarks/
#   make chaos  run the seeded chaos campaign (ROUNDS=200 SEED=1), not part of make test
#   make fuzz   run the libFuzzer campaigns (SECONDS=3600 per target, all at once), not part of make test

SHELL := /bin/bash
SWIFT ?= swift
# Build: libyaml-dev libcurl4-openssl-dev libssl-dev pkg-config. Programs the tests and the demo
# run: ssh, scp and ssh-keygen (openssh-client), sshd (openssh-server), curl, timeout and seq
# (coreutils), sh (dash), shellcheck, python3 for the helpers.
APT_PACKAGES := libyaml-dev libcurl4-openssl-dev libssl-dev pkg-config openssh-client openssh-server curl coreutils dash shellcheck python3 python3-pip
# The PyPI packages the tests were last run with: moto_helper.py serves moto[server]'s werkzeug
# application, SignatureTests drives boto3, the tests read back with the AWS CLI.
PYPI_PINS := moto[server]==5.2.1 boto3==1.43.11 awscli==1.45.11 werkzeug==3.1.8
PYTHON ?= python3
# Issue 21's scale table times the same stacks with Terraform when it and the AWS provider mirror
# are on the machine (minutes more); `make bench SCALE_TERRAFORM=` leaves Terraform out.
SCALE_TERRAFORM ?= $(if $(and $(shell command -v terraform),$(wildcard /opt/tf-plugins)),--terraform)
# The no-change plan's live instances and the S3 row's instances. The issue's sizes are 10,000 and
# 1,000 (`make bench SCALE_LIVE=10000 SCALE_S3=1000`): moto takes about 25 minutes to launch the
# 10,000 one at a time (7 a second), so the default is 1,000 and 100.
SCALE_LIVE ?= 1000
SCALE_S3 ?= 100

.PHONY: deps build demo test bench chaos fuzz clean

ROUNDS ?= 200
SEED ?= 1
SECONDS ?= 3600

# Exits non-zero unless every pinned package is installed at its version and the helpers' imports work.
define PYPI_CHECK
import sys, importlib.metadata as m
for pin in sys.argv[1:]:
    name, version = pin.split("==")
    name = name.split("[")[0]
    if m.version(name) != version:
        sys.exit(f"{name} {m.version(name)} is installed, the tests pin {version}")
import moto.moto_server.werkzeug_app, werkzeug, boto3
endef
export PYPI_CHECK

# Debian packages the build needs; installed only when missing (needs root, as CI is).
deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		SUDO=""; [ "$$(id -u)" -eq 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi
	@# The EC2 emulator and an independent AWS client, for the tests (PyPI), at the pinned versions;
	@# the import check imports what the helpers import.
	@if ! $(PYTHON) -c "$$PYPI_CHECK" $(foreach p,$(PYPI_PINS),'$(p)') >/dev/null 2>&1 || ! command -v aws >/dev/null; then \
		echo "installing: $(PYPI_PINS)"; \
		$(PYTHON) -m pip install -q $(foreach p,$(PYPI_PINS),'$(p)') || $(PYTHON) -m pip install -q --break-system-packages $(foreach p,$(PYPI_PINS),'$(p)'); \
		$(PYTHON) -c "$$PYPI_CHECK" $(foreach p,$(PYPI_PINS),'$(p)'); \
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
	@# A bench that misses a limit exits 1; the ones after it still run, and make fails at the end.
	status=0; \
	$(PYTHON) benchmarks/hostile/run.py --tfy .build/release/tfy || status=1; \
	$(PYTHON) benchmarks/scale/run.py --tfy .build/release/tfy --live-instances $(SCALE_LIVE) --s3-instances $(SCALE_S3) --timeout 4000 $(SCALE_TERRAFORM) || status=1; \
	exit $$status

chaos: deps
	$(SWIFT) build -c release --product tfy
	$(PYTHON) benchmarks/chaos/chaos.py --rounds $(ROUNDS) --seed $(SEED) --tfy .build/release/tfy

fuzz: deps
	fuzz/run.sh $(SECONDS)

clean:
	rm -rf .build .build-fuzz
