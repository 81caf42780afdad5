# The README's two commands. Both set up everything on a fresh machine with Python 3.11.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Map tests and bench run Debian's chromium with a CJK font and a GBK locale; apt-get only when missing (CI is root).
BROWSER := /usr/bin/chromium /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc /usr/share/i18n/charmaps/GBK.gz

.PHONY: demo test bench bench-maps bench-scale bench-load clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

demo: $(STAMP)
	$(BIN)/chainkg build --out build/chaoyang.ttl
	$(BIN)/chainkg stats --graph build/chaoyang.ttl > build/stats.txt
	$(BIN)/chainkg report --graph build/chaoyang.ttl --all --format md -o build/reports
	$(BIN)/chainkg report --graph build/chaoyang.ttl --all --format html -o build/reports
	$(BIN)/chainkg map --graph build/chaoyang.ttl --all -o build/maps --index build/index.html --reports build/reports
	@echo "demo: build/ holds the graph and its statistics"

test: $(STAMP) $(BROWSER)
	$(BIN)/python -m pytest -q

$(BROWSER) &:
	apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium fonts-noto-cjk locales
bench: bench-maps
bench: bench-scale
bench-scale: $(STAMP)
	$(BIN)/python bench/run.py --out bench/RESULTS.md
bench-maps: $(STAMP) $(BROWSER)
	$(BIN)/python bench/maps_bench.py
bench: bench-load
bench-load: $(STAMP)
	$(BIN)/python bench/load_test.py

clean:
	rm -rf build .pytest_cache
