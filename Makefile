# offscreen: `make run` and `make test` each bootstrap .venv themselves.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Both cores (pytest-xdist): most tests wait on processes, X servers and timers rather than compute.
# A test file stays on one worker (--dist loadfile), so the X tests of a file run one after another;
# they bound their timings by the events they observe, so a busy neighbour slows them, never fails
# them. `make test PARALLEL=` runs everything in one process.
PARALLEL ?= -n 2 --dist loadfile

# Debian packages the test suite drives for real: an X server, a window manager, xdotool,
# headless Chromium for the dashboard, systemd-analyze for the unit file, a D-Bus session, and the
# system Python's D-Bus bindings for the test notification server (tests/helpers/notify_server.py).
APT_PACKAGES := xvfb openbox xdotool x11-utils x11-xserver-utils chromium systemd dbus dbus-x11 libnotify-bin python3-dbus python3-gi
# The commands those packages provide, checked before deciding to install anything.
APT_COMMANDS := Xvfb openbox xdotool xprop xset chromium systemd-analyze dbus-daemon dbus-launch notify-send
# The Wayland tests (tests/wayland_fixtures.py): headless sway with XWayland, foot as the client
# window (it needs a monospace font; xhost, from x11-xserver-utils, lets root's X clients in), wtype
# for keyboard input, swayidle. Another compositor's packages go on the next line with its commands
# (KWin: kwin-wayland plasma-wayland-protocols, kwin_wayland).
WAYLAND_PACKAGES := sway swayidle wtype foot fonts-dejavu-core xwayland
WAYLAND_COMMANDS := sway swaymsg swayidle wtype foot Xwayland
# KWin 5.27 (tests/kwin_fixtures.py) under dbus-run-session (from dbus, above); its windows are tests/
# helpers/wlwin.py and tests/xwin.py on its XWayland; node runs the KWin script against fake Plasma 5/6 APIs.
WAYLAND_PACKAGES += kwin-wayland nodejs
WAYLAND_COMMANDS += kwin_wayland dbus-run-session node
APT_PACKAGES += $(WAYLAND_PACKAGES)
APT_COMMANDS += $(WAYLAND_COMMANDS)
# GNOME (tests/gnome_fixtures.py): gnome-shell 43 headless (it pulls in mutter, gjs, gsettings and
# gnome-extensions); gjs also runs the extension's GNOME 45+ variant. ~16 s and ~355 MB on Debian 12.
GNOME_PACKAGES := gnome-shell mutter gjs
GNOME_COMMANDS := gnome-shell gnome-extensions gjs gsettings
APT_PACKAGES += $(GNOME_PACKAGES)
APT_COMMANDS += $(GNOME_COMMANDS)
# Compositors refuse to run as root: as root the Wayland tests run them as this system user.
TEST_USER := offscreen-test

.PHONY: run test test-fast lint typecheck bench system-deps test-user venv clean help

help:
	@echo "make run        - install into .venv and start the activity daemon in the foreground"
	@echo "make test       - install test dependencies (Debian packages when root), run every test with coverage"
	@echo "make test-fast  - the tests that need no X server, no compositor and no browser (the inner loop)"
	@echo "make lint       - ruff check, ruff format --check and the layer contract (lint-imports)"
	@echo "make typecheck  - mypy on tracker/ and dashboards/"
	@echo "make bench      - run the benchmarks in bench/ (numbers go to bench/README.md by hand)"

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,dev]'
	touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(BIN)/offscreen daemon

system-deps:
	@missing=""; for c in $(APT_COMMANDS); do command -v $$c >/dev/null 2>&1 || missing="$$missing $$c"; done; \
	/usr/bin/python3 -c 'import dbus, gi' >/dev/null 2>&1 || missing="$$missing python3-dbus/python3-gi"; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "Installing Debian packages for the tests (missing:$$missing)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(APT_PACKAGES) >/dev/null; \
	else \
	  echo "Missing for some tests:$$missing. Install: sudo apt-get install $(APT_PACKAGES)"; \
	fi

# Only root needs it (anyone else runs the compositors as themselves); creating it twice is a no-op.
test-user:
	@if [ "$$(id -u)" = 0 ] && ! id -u $(TEST_USER) >/dev/null 2>&1; then \
	  echo "Creating the system user $(TEST_USER) the Wayland tests run compositors as"; \
	  useradd --system --create-home --shell /usr/sbin/nologin $(TEST_USER); \
	fi

# Coverage follows the CLI and daemon subprocesses the tests start ([tool.coverage.run] patch =
# subprocess in pyproject.toml): each process writes its own data file, combined before the report.
# The report is printed when tests fail too; the exit status is pytest's, else the coverage check's.
test: $(STAMP) system-deps test-user
	rm -f .coverage .coverage.*
	status=0; $(BIN)/coverage run -m pytest $(PARALLEL) || status=$$?; \
	$(BIN)/coverage combine --quiet || [ $$status -ne 0 ] || status=1; \
	$(BIN)/coverage report || [ $$status -ne 0 ] || status=2; \
	exit $$status

test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not x11 and not wayland and not browser" $(PARALLEL)

# All three run, so one pass shows every problem; any failure fails the target.
lint: $(STAMP)
	status=0; \
	$(BIN)/ruff check . || status=1; \
	$(BIN)/ruff format --check . || status=1; \
	$(BIN)/lint-imports --no-cache || status=1; \
	exit $$status

typecheck: $(STAMP)
	$(BIN)/mypy

bench: $(STAMP) system-deps
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache .coverage .coverage.*
