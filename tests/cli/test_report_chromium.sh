# test_report_chromium.sh - the report page renders in a real browser: a
# report from a small sweep, screenshotted by headless Chromium with the
# network off, must give a non-trivial PNG (over 20 KB: text, tables and
# plots, not a blank page).  Optional: skips when /usr/bin/chromium is not
# installed.
. "$(dirname "$0")/lib.sh"
CHROMIUM=/usr/bin/chromium
if [ ! -x "$CHROMIUM" ]; then
    echo "SKIP: chromium not installed"
    exit 0
fi
DATA=/usr/share/libonnx-testdata/data/pytorch-converted
A=$DATA/test_Conv2d/model.onnx

expect 0 "run" -- "$EDGEBENCH" run zoo:fmnist-mlp "$A" -v ref -v cpu -n 10 --min-time 0 -o "$TMP/r.json"
expect 0 "report" -- "$EDGEBENCH" report "$TMP/r.json" -o "$TMP/rep"

# a profile of its own, nothing fetched, killed if it hangs
expect 0 "headless screenshot" -- timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic \
    --no-first-run --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$TMP/profile" --screenshot="$TMP/shot.png" --window-size=1280,2000 "file://$TMP/rep/index.html"
expect 0 "screenshot is a PNG over 20 KB" -- /usr/bin/python3 -c '
import os, sys
p = sys.argv[1]
assert open(p, "rb").read(8) == b"\x89PNG\r\n\x1a\n", "not a PNG"
assert os.path.getsize(p) > 20 * 1024, os.path.getsize(p)
' "$TMP/shot.png"

finish
