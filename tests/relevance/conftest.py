"""The relevance set's report: mean and per-query nDCG@10, printed at the end of the run."""

from tests.relevance import scores


def pytest_terminal_summary(terminalreporter):
    if not scores.MEASURED:
        return
    terminalreporter.section("relevance (tests/relevance): nDCG@10")
    for line in scores.report_lines():
        terminalreporter.write_line(line)
