"""The public feeds of CVE metrics and exploitation signals that `caulk db update` fetches."""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["EPSS_URL", "KEV_URL", "METRIC_FEED_URLS", "NVD_YEAR_URL"]

KEV_URL = "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json"
EPSS_URL = "https://epss.empiricalsecurity.com/epss_scores-current.csv.gz"
NVD_YEAR_URL = "https://nvd.nist.gov/feeds/json/cve/2.0/nvdcve-2.0-{}.json.gz"
_FIRST_NVD_YEAR = 2002  # the 2002 feed holds every CVE from 1999 to 2002

METRIC_FEED_URLS: tuple[str, ...] = (
    KEV_URL,
    EPSS_URL,
    *(NVD_YEAR_URL.format(y) for y in range(_FIRST_NVD_YEAR, datetime.now(UTC).year + 1)),
)
