#!/usr/bin/env bash
# Screenshot of an eval HTML report, as a person sees it in a browser (headless Chromium).
#
#   bin/report-screenshot.sh REPORT.html OUT.png [WIDTH] [HEIGHT]
#   bin/report-screenshot.sh --example OUT.png [WIDTH] [HEIGHT]
#
# --example first writes the report of the two example tasks (examples/eval/, a stand-in model)
# through HtmlReportTest. Needs Chromium; on Debian/Ubuntu:
#   apt-get update && apt-get install -y chromium
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ $# -lt 2 ]]; then
  sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
report=$1
out=$2
width=${3:-1280}
height=${4:-2800}

browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [[ -z $browser ]]; then
  echo "report-screenshot: Chromium not found; install it with: apt-get update && apt-get install -y chromium" >&2
  exit 3
fi

# A throwaway profile, so the screenshot does not depend on (or touch) a user's browser state.
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
if [[ $report == --example ]]; then
  report=$profile/example-report.html
  ./mvnw -o -B -q test -Dcuda.skip=true -pl engine,jobs -Dtest=HtmlReportTest \
    -Dsurefire.failIfNoSpecifiedTests=false -Dlingspark.report.out="$report" >/dev/null
fi
if [[ ! -f $report ]]; then
  echo "report-screenshot: no such report: $report" >&2
  exit 2
fi

"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$profile" \
  --window-size="$width,$height" --screenshot="$(realpath -m "$out")" "file://$(realpath "$report")" 2>/dev/null
echo "$out"
