# lvskeeper: build, test tiers, benchmarks and running the daemon.
# `make run` and `make test` install what they need on a fresh Debian machine (as root).
SHELL := /bin/bash
APT_PKGS := keepalived ipvsadm qemu-system-x86 linux-image-amd64 busybox-static iproute2 procps kmod
TAP := npx tap
S ?=

.PHONY: all deps apt-deps node-deps build typecheck test test-unit test-netns test-kernel bench run clean

all: build

apt-deps:
	@bash scripts/apt-deps.sh $(APT_PKGS)

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

node-deps: node_modules/.package-lock.json

deps: apt-deps node-deps

build: node-deps
	npx tsc -p tsconfig.json

typecheck: node-deps
	npx tsc -p tsconfig.json --noEmit

test-unit: build
	$(TAP) test/unit

test-netns: build
	@if [ "$$(id -u)" != 0 ]; then echo "test-netns: needs root (network namespaces); skipped"; else $(TAP) test/netns; fi

test-kernel: build apt-deps
	bash test/kernel/run.sh

test: deps build
	bash scripts/test-all.sh

bench: deps build
	bash bench/run.sh $(S)

run: deps build
	bash scripts/run.sh

clean:
	rm -rf dist .tap coverage
