# The two commands of the README, and a few more for developers.
SHELL := /bin/bash
CKAN := .venv/bin/ckan
PYTEST_ARGS ?=

.PHONY: demo test bench install services stop ini clean

install:
	scripts/setup.sh

services:
	scripts/services.sh start

ini: install
	scripts/ckan-ini.sh ckan.ini

demo: ini
	scripts/demo.sh

test: install
	scripts/test.sh $(PYTEST_ARGS)

bench: install
	scripts/bench.sh $(BENCH_ARGS)

stop:
	scripts/demo.sh stop
	scripts/services.sh stop

clean: stop
	rm -rf .services
