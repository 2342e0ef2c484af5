# lvskeeper: build, test tiers, benchmarks and running the daemon.
# `make run` and `make test` install what they need on a fresh Debian machine (as root).
SHELL := /bin/bash
APT_PKGS := keepalived ipvsadm qemu-system-x86 linux-image-amd64 busybox-static iproute2 procps kmod tcpdump python3 make g++ openssl strace curl
TAP := npx tap
S ?=

.PHONY: all deps apt-deps node-deps native build typecheck test test-unit test-netns test-kernel bench run demo clean

all: build

apt-deps:
	@bash scripts/apt-deps.sh $(APT_PKGS)

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

node-deps: node_modules/.package-lock.json

deps: apt-deps node-deps

NATIVE := native/build/Release/lvsk_packet.node native/build/Release/lvsk_sockopt.node

# The project's own Node-API addons (AF_PACKET frames, recvmsg with hop limit; checker socket options): see native/README.md.
$(NATIVE) &: native/lvsk_packet.c native/lvsk_sockopt.c native/binding.gyp | node-deps
	npx node-gyp rebuild -C native --nodedir="$$(node -p "require('path').resolve(process.execPath,'../..')")" > native/build.log 2>&1 || { cat native/build.log; exit 1; }

native: $(NATIVE)

build: node-deps $(NATIVE)
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

# The director pair in the VM (client, directors A and B running lvskeeper, three HTTP real servers, a request loop)
# with a timeline of what is lost at each step; MODE=DR for direct routing. See demo/index.ts.
demo: deps build
	bash scripts/demo.sh

clean:
	rm -rf dist .tap coverage
