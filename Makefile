# make run  — the dashboard on the bundled synthetic demo cohort (http://localhost:8501),
#             listening on 127.0.0.1 only (README "Department server" for colleagues)
# make test — every test: unit, property, AppTest and real-browser (Debian's chromium)
VENV   := .venv
PY     := $(VENV)/bin/python
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Debian packages the tests need: a browser for Playwright and kaleido, LibreOffice and
# poppler to render the slide deck to PNGs, CJK fonts for the Chinese template/instructions.
# strace records the connections of exports (no outbound call), nginx is the tested
# authenticating HTTPS proxy of a department server, openssl makes its test certificate;
# LibreOffice Writer renders the Word report.
# The dashboard itself needs the browser kaleido draws PNG/SVG exports with and the CJK
# fonts of the Chinese edition's charts and slides.
RUN_DEBS  := chromium fonts-noto-cjk
TEST_DEBS := chromium libreoffice-impress libreoffice-writer poppler-utils fonts-noto-cjk strace nginx openssl

.PHONY: run test venv debs run-debs bench clean messages

$(VENV)/.installed: requirements.txt
	@python3 -m venv --help >/dev/null 2>&1 && python3 -c 'import ensurepip' 2>/dev/null || \
	  ($(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq python3-venv)
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -r requirements.txt
	touch $@

venv: $(VENV)/.installed

debs:
	@missing=""; for p in $(TEST_DEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq $$missing; fi

run-debs:
	@missing=""; for p in $(RUN_DEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq $$missing; fi

ADDRESS ?= 127.0.0.1
run: venv run-debs
	$(VENV)/bin/streamlit run app.py --server.address $(ADDRESS)

test: venv debs
	$(PY) -m pytest

bench: venv
	$(PY) -m lusp.bench --patients 10000
	$(PY) -m lusp.bench --patients 100000

# Extract every marked string (babel.cfg) into lusp/locale/lusp.pot and bring each
# language's lusp.po up to date (then translate what `scripts/messages.py missing` lists).
messages: venv
	$(PY) scripts/messages.py update

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis test-artifacts
