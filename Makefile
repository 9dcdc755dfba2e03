# PatchDesk build. `make run` and `make test` set up a fresh Debian or Ubuntu machine themselves.
SHELL := /bin/bash
GO ?= go
TAGS := migrated_fynedo
BIN := bin
# System packages the Fyne GUI needs to build (cgo, OpenGL, X11) and to run headless (Xvfb).
DEB_PACKAGES := gcc pkg-config libgl1-mesa-dev xorg-dev xvfb
AGENT_TARGETS := windows/amd64 linux/amd64 darwin/arm64
FYNE_TOOL := fyne.io/tools/cmd/fyne@v1.7.4
# ECharts for HTML reports and the browser dashboard: fetched from the npm registry, embedded,
# never committed (assets/echarts/README.md). 5.x is the line go-echarts v2 targets.
ECHARTS_VERSION := 5.6.0
ECHARTS := assets/echarts/echarts.min.js

.PHONY: all deps assets build run test vet screenshots browser-test wine-test bench fuzz package catalog clean

all: build

## deps: install the missing system packages (Debian/Ubuntu, with apt-get); nothing when present.
deps:
	@command -v $(GO) >/dev/null || { echo "Go 1.26 or newer is needed on PATH (https://go.dev/dl/)"; exit 1; }
	@missing=""; for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		command -v apt-get >/dev/null || { echo "missing packages:$$missing (install them with your package manager)"; exit 1; }; \
		echo "installing:$$missing"; \
		SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	@# npm may come from Node's own packages rather than Debian's: look for the command, not the package.
	@if ! command -v npm >/dev/null; then \
		command -v apt-get >/dev/null || { echo "npm is needed to fetch ECharts (install Node.js)"; exit 1; }; \
		SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends npm; \
	fi

## assets: front-end files from the npm registry (ECharts), embedded at build time.
assets: $(ECHARTS)

$(ECHARTS):
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	npm pack --silent echarts@$(ECHARTS_VERSION) --pack-destination "$$tmp" >/dev/null && \
	tar -xzf "$$tmp/echarts-$(ECHARTS_VERSION).tgz" -C "$$tmp" package/dist/echarts.min.js package/LICENSE && \
	cp "$$tmp/package/LICENSE" assets/echarts/LICENSE && \
	cp "$$tmp/package/dist/echarts.min.js" $@.tmp && mv $@.tmp $@
	@echo "fetched ECharts $(ECHARTS_VERSION) into $(ECHARTS)"

## build: the host (GUI + CLI) and the agent for this machine.
build: deps assets
	$(GO) build -tags $(TAGS) -o $(BIN)/patchdesk ./cmd/patchdesk
	CGO_ENABLED=0 $(GO) build -o $(BIN)/patchagent ./cmd/patchagent

## run: start the console on the default data dir.
run: build
	@if [ "$$(uname)" = Linux ] && [ -z "$$DISPLAY" ] && [ -z "$$WAYLAND_DISPLAY" ]; then \
		echo "No display here. Start the console with 'xvfb-run make run', or run the host headless with '$(BIN)/patchdesk serve'."; \
		exit 1; \
	fi
	./$(BIN)/patchdesk

vet: deps assets
	$(GO) vet -tags $(TAGS) ./...
	@# The agent's own packages, vetted as Windows code too: that is where its registry scanner lives.
	GOOS=windows CGO_ENABLED=0 $(GO) vet $$(GOOS=windows CGO_ENABLED=0 $(GO) list -deps ./cmd/patchagent | grep '^patchdesk')

## test: vet, the race-enabled test suite and the agent's cross builds.
test: vet
	$(GO) test -race -tags $(TAGS) ./...
	@for t in $(AGENT_TARGETS); do \
		echo "cross-build patchagent for $$t"; \
		CGO_ENABLED=0 GOOS=$${t%/*} GOARCH=$${t#*/} $(GO) build -o /dev/null ./cmd/patchagent || exit 1; \
	done

## screenshots: a PNG of every screen and settings pane, light and dark, into screenshots/.
screenshots: deps assets
	PATCHDESK_SCREENSHOTS=$(CURDIR)/screenshots $(GO) test -tags $(TAGS) -count=1 -run '^TestScreenshots$$' ./ui/
	@ls screenshots

## browser-test: the admin pages and an offline HTML export in headless Chromium (Debian's
## chromium, installed when missing); screenshots into screenshots/.
browser-test: deps assets
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null || [ -n "$$PATCHDESK_CHROMIUM" ] || { \
		command -v apt-get >/dev/null || { echo "chromium is needed (install it with your package manager, or set PATCHDESK_CHROMIUM)"; exit 1; }; \
		SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends chromium; \
	}
	PATCHDESK_SCREENSHOTS=$(CURDIR)/screenshots $(GO) test -tags browser,$(TAGS) -count=1 -v ./agentsvc/adminweb/

## wine-test: the Windows agent, cross-built, enrols with a listener on 127.0.0.1 and installs
## through a real cycle under Wine (Debian's wine and mingw-w64, installed when missing; about
## 3 minutes, most of it the hung installer's Terminate after).
WINE_SHIM := $(BIN)/wine/bcryptprimitives.dll
wine-test: deps
	@command -v wine >/dev/null && command -v x86_64-w64-mingw32-gcc >/dev/null || { \
		command -v apt-get >/dev/null || { echo "wine and mingw-w64 are needed (install them with your package manager)"; exit 1; }; \
		SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends wine wine64 gcc-mingw-w64-x86-64-win32; \
	}
	@mkdir -p $(dir $(WINE_SHIM))
	x86_64-w64-mingw32-gcc -shared -O2 -o $(WINE_SHIM) agentsvc/testdata/wine/bcryptprimitives.c -ladvapi32
	PATCHDESK_WINE_SHIM=$(CURDIR)/$(WINE_SHIM) $(GO) test -tags wine -run Wine -count=1 -v ./agentsvc/

## bench: the benchmarks behind docs/benchmarks.md.
bench: deps assets
	$(GO) test -tags $(TAGS) -run '^$$' -bench . -benchmem ./...

## fuzz: run every fuzz target for FUZZTIME each.
FUZZTIME ?= 60s
fuzz:
	@for pkg in $$($(GO) list ./...); do \
		for f in $$($(GO) test -tags $(TAGS) -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz'); do \
			echo "fuzz $$pkg $$f"; \
			$(GO) test -tags $(TAGS) -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
		done; \
	done

## package: a desktop package with `fyne package`, from the top-level FyneApp.toml.
package: deps assets
	sed 's#^Icon = "assets/#Icon = "#' FyneApp.toml > cmd/patchdesk/FyneApp.toml
	cp assets/icon.png cmd/patchdesk/icon.png
	cd cmd/patchdesk && $(GO) run $(FYNE_TOOL) package --release --tags $(TAGS)
	rm -f cmd/patchdesk/FyneApp.toml cmd/patchdesk/icon.png

## catalog: regenerate the embedded catalog snapshot (assets/catalog) from ../shared/data.
catalog:
	$(GO) run ./jobs/cmd/mkcatalog -data ../shared/data -out assets/catalog

clean:
	rm -rf $(BIN) screenshots ui/testdata/failed
