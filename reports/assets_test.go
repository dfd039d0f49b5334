package reports

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// noteSum and noteRow read BUILD.md: the SHA-256 line and the bundle's row
// of the size table.
var (
	noteSum = regexp.MustCompile(`(?m)^sha256 ([0-9a-f]{64})  ` + regexp.QuoteMeta(EChartsFile) + `$`)
	noteRow = regexp.MustCompile(`(?m)^\| ` + regexp.QuoteMeta(EChartsFile) + ` \| (\d+) \| (\d+) \|$`)
)

// bundleNoteProblems lists where the vendored bundle differs from what its
// note says.
func bundleNoteProblems(bundle []byte, note string) []string {
	var out []string
	m := noteSum.FindStringSubmatch(note)
	if m == nil {
		return []string{"BUILD.md has no sha256 line for " + EChartsFile}
	}
	sum := sha256.Sum256(bundle)
	if got := hex.EncodeToString(sum[:]); got != m[1] {
		out = append(out, fmt.Sprintf("%s has sha256 %s, BUILD.md says %s (run make echarts)", EChartsFile, got, m[1]))
	}
	r := noteRow.FindStringSubmatch(note)
	if r == nil {
		return append(out, "BUILD.md has no size row for "+EChartsFile)
	}
	if n, _ := strconv.Atoi(r[1]); n != len(bundle) {
		out = append(out, fmt.Sprintf("%s is %d bytes, BUILD.md says %d", EChartsFile, len(bundle), n))
	}
	return out
}

// TestEChartsBundleNote checks that the vendored bundle, and the copy
// embedded in the binary, are the file BUILD.md describes (its SHA-256 and
// size), and that a changed byte or a stale note is caught.
func TestEChartsBundleNote(t *testing.T) {
	bundle, err := os.ReadFile(filepath.Join("assets", "echarts", EChartsFile))
	if err != nil {
		t.Fatal(err)
	}
	note, err := os.ReadFile(filepath.Join("assets", "echarts", "BUILD.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range bundleNoteProblems(bundle, string(note)) {
		t.Error(p)
	}
	if string(bundle) != echartsRaw {
		t.Error("the embedded bundle differs from the vendored file")
	}
	changed := append([]byte(nil), bundle...)
	changed[len(changed)/2] ^= 1
	if p := bundleNoteProblems(changed, string(note)); len(p) != 1 || !strings.Contains(p[0], "sha256") {
		t.Errorf("a changed byte: problems %q, want one about the sha256", p)
	}
	if p := bundleNoteProblems(append(bundle, '\n'), string(note)); len(p) != 2 {
		t.Errorf("one byte more: problems %q, want the sha256 and the size", p)
	}
	if p := bundleNoteProblems(bundle, ""); len(p) == 0 {
		t.Error("an empty note passes")
	}
}

// TestSharedAssets writes the week and month fixtures as an archive does:
// WriteAssets into dir/assets, the pages one level below with AssetsHref
// "../assets/". Each page must carry neither ECharts nor the stylesheet,
// load both from files WriteAssets wrote (and ECharts only on pages with
// charts), and pin in its CSP the init script but not the inline ECharts.
func TestSharedAssets(t *testing.T) {
	dir := t.TempDir()
	names, err := WriteAssets(filepath.Join(dir, AssetsDir))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{EChartsFile: echartsRaw, EChartsLicenseFile: echartsLicense, EChartsNoticeFile: echartsNotice, StyleFile: styleCSS}
	if len(names) != len(want) {
		t.Errorf("WriteAssets wrote %q, want the %d files %v", names, len(want), want)
	}
	for name, data := range want {
		b, err := os.ReadFile(filepath.Join(dir, AssetsDir, name))
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != data || len(b) == 0 {
			t.Errorf("%s: %d bytes, want the embedded %d", name, len(b), len(data))
		}
	}
	if !strings.Contains(echartsLicense, "Apache License") {
		t.Error("the licence beside the bundle is not the Apache License")
	}
	ref := regexp.MustCompile(`(?:src|href)="\.\./assets/([^"]+)"`)
	for _, kind := range []string{"week", "month"} {
		in := weekFixture()
		if kind == "month" {
			in = monthFixture()
		}
		in.Options.AssetsHref = "../" + AssetsDir + "/"
		pages := filepath.Join(dir, kind)
		files, err := Write(pages, in)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if !strings.HasSuffix(f, ".html") {
				continue
			}
			b, err := os.ReadFile(filepath.Join(pages, f))
			if err != nil {
				t.Fatal(err)
			}
			s := string(b)
			t.Run(kind+"/"+f, func(t *testing.T) {
				if strings.Contains(s, echartsJS[300:500]) || strings.Contains(s, echartsLoaderJS()[1000:1200]) || strings.Contains(s, styleCSS[:200]) {
					t.Error("ECharts or the stylesheet is inline")
				}
				blocks := strings.Count(s, `<script type="application/json" data-chart=`)
				refs := map[string]int{}
				for _, m := range ref.FindAllStringSubmatch(s, -1) {
					refs[m[1]]++
					if _, err := os.Stat(filepath.Join(pages, "..", AssetsDir, m[1])); err != nil {
						t.Errorf("the page loads %s, which WriteAssets did not write: %v", m[1], err)
					}
				}
				wantJS := 0
				if blocks > 0 {
					wantJS = 1
				}
				if refs[StyleFile] != 1 || refs[EChartsFile] != wantJS || len(refs) != 1+wantJS {
					t.Errorf("asset references %v, want %s once and %s %d times (%d charts)", refs, StyleFile, EChartsFile, wantJS, blocks)
				}
				csp := `content="` + attrEscaped(cspShared) + `"`
				if !strings.Contains(s, csp) || strings.Contains(s, scriptHash(echartsJS)) {
					t.Error("CSP is not the shared policy")
				}
				if !strings.Contains(cspShared, "script-src 'self' "+scriptHash(initJS)+";") || !strings.HasPrefix(cspShared, "default-src 'none';") {
					t.Errorf("shared CSP %q allows more than its own origin and the init script", cspShared)
				}
				if strings.Contains(s, "inlined in this file") {
					t.Error("the footer says ECharts is inlined")
				}
			})
		}
	}
}

// attrEscaped is s as html/template writes it in an attribute value (the
// CSP's quotes and the base64 of its hashes escaped).
func attrEscaped(s string) string {
	return strings.NewReplacer("'", "&#39;", "+", "&#43;").Replace(s)
}
