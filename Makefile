# Two commands on a fresh machine (only python3 needed; tox is bootstrapped into .tools/):
#   make suite   the conformance suite against the embedded mock server, then the HTML report
#   make test    every check CI runs: unit tests, the suite, the suite through each real SDK, the browser, lint, types
TOOLS := .tools
TOX := $(TOOLS)/bin/tox

.PHONY: suite test report clean

$(TOX):
	python3 -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check "tox==4.67.15" "tox-uv==1.37.1"

suite: $(TOX)
	$(TOX) run -e suite
	$(TOX) run -e report

test: $(TOX)
	$(TOX) run

report: $(TOX)
	$(TOX) run -e report

clean:
	rm -rf $(TOOLS) .tox reports/allure-results reports/html
