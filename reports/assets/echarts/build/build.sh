#!/bin/sh
# Builds reports/assets/echarts/echarts-5.4.3-custom.min.js, the ECharts 5.4.3
# bundle the reports embed, from the npm packages pinned in package-lock.json
# and the module list in entry.js, and writes BUILD.md beside it (how it was
# made, its SHA-256, its size against the full dist/echarts.min.js).
# Run by `make echarts`; needs node and npm (registry access for `npm ci`).
# Not part of `make test`: the output is vendored, and a test checks it
# against the SHA-256 in BUILD.md.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
dest=$(dirname "$here")
out=echarts-5.4.3-custom.min.js
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
cp "$here/package.json" "$here/package-lock.json" "$here/entry.js" "$work/"
(cd "$work" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)
esbuild_version=$("$work/node_modules/.bin/esbuild" --version)
terser_version=$("$work/node_modules/.bin/terser" --version | cut -d' ' -f2)
# esbuild resolves and bundles the modules; terser minifies (about 12 kB
# smaller than esbuild's own --minify, which a self-contained report needs
# to stay under 600 kB).
"$work/node_modules/.bin/esbuild" "$work/entry.js" --bundle --format=iife \
	--target=es2015 --legal-comments=none --log-level=warning \
	'--define:process.env.NODE_ENV="production"' \
	--outfile="$work/bundle.js"
# terser 5 ignores --preamble, so the licence line is put before its
# output here.
"$work/node_modules/.bin/terser" "$work/bundle.js" --ecma 2015 \
	--compress passes=2,toplevel=true --mangle toplevel=true \
	--output "$work/min.js"
{
	echo '/*! Apache ECharts 5.4.3 (Apache-2.0, see LICENSE and NOTICE), custom build for oncall-health: bar, line, heatmap, grid, tooltip, legend (plain), visualMap (continuous), markLine, canvas renderer. */'
	cat "$work/min.js"
} >"$work/$out"
cp "$work/$out" "$dest/$out"
size() { wc -c <"$1" | tr -d ' '; }
gz() { gzip -9nc "$1" | wc -c | tr -d ' '; }
full="$work/node_modules/echarts/dist/echarts.min.js"
sum=$(sha256sum "$dest/$out" | cut -d' ' -f1)
cat >"$dest/BUILD.md" <<NOTE
# How echarts-5.4.3-custom.min.js was made

\`make echarts\` (reports/assets/echarts/build/build.sh) installs the npm packages
pinned in build/package-lock.json (echarts 5.4.3, zrender 5.4.4, esbuild $esbuild_version,
terser $terser_version) into a temporary directory with \`npm ci --ignore-scripts\`, bundles
build/entry.js with esbuild (\`--bundle --format=iife --target=es2015\`, NODE_ENV=production)
and minifies the bundle with terser (\`--ecma 2015 --compress passes=2,toplevel=true --mangle
toplevel=true\`).
entry.js registers only what the reports draw: the bar, line and heatmap charts, the grid,
tooltip, plain legend, continuous visual map and mark line components, and the canvas renderer,
and sets the global \`echarts\` the reports' init script calls. Same inputs, same bytes.

ECharts is Apache-2.0: LICENSE and NOTICE beside this file are the package's own. Reports
inline the bundle (\`--self-contained\`: gzip-compressed and base64-encoded inside the small
loader reports/assets/loader.js, which decompresses it in the browser) or write it once
under \`assets/\` of the output directory, with LICENSE and NOTICE beside it.

| file | bytes | gzip -9 bytes |
|---|---:|---:|
| dist/echarts.min.js (full 5.4.3) | $(size "$full") | $(gz "$full") |
| echarts-5.4.3-custom.min.js | $(size "$dest/$out") | $(gz "$dest/$out") |

sha256 $sum  echarts-5.4.3-custom.min.js
NOTE
echo "wrote $dest/$out ($(size "$dest/$out") bytes, sha256 $sum) and $dest/BUILD.md"
