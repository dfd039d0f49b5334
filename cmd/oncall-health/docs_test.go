package main

import (
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// repoRoot is the repository root, two levels above this package.
const repoRoot = "../.."

// markdownFiles lists the tracked Markdown files (git ls-files), relative to
// root; without git (a source tarball) every *.md outside hidden
// directories and the demo's out/.
func markdownFiles(t *testing.T, root string) []string {
	t.Helper()
	if out, err := exec.Command("git", "-C", root, "ls-files", "*.md").Output(); err == nil {
		return strings.Fields(string(out))
	}
	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if d.IsDir() && rel != "." && (strings.HasPrefix(d.Name(), ".") || rel == "out" || rel == "bin") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(p, ".md") {
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

var (
	// inlineLinkRE finds [text](target) and ![alt](target); the target ends
	// at white space (a title may follow) or the closing parenthesis.
	inlineLinkRE = regexp.MustCompile(`!?\[[^\]]*\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)`)
	// refLinkRE finds reference definitions: [label]: target
	refLinkRE  = regexp.MustCompile(`(?m)^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)`)
	headingRE  = regexp.MustCompile(`(?m)^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$`)
	codeSpanRE = regexp.MustCompile("`+[^`]*`+")
	schemeRE   = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9+.-]*:`)
)

// stripCode blanks fenced code blocks (``` or ~~~) of Markdown text, so
// that what looks like a link or heading in code is not taken for one.
func stripCode(text string) string {
	var b strings.Builder
	fence := ""
	for _, line := range strings.SplitAfter(text, "\n") {
		trim := strings.TrimLeft(line, " ")
		switch {
		case fence == "" && (strings.HasPrefix(trim, "```") || strings.HasPrefix(trim, "~~~")):
			fence = trim[:3]
			b.WriteString("\n")
		case fence != "" && strings.HasPrefix(trim, fence):
			fence = ""
			b.WriteString("\n")
		case fence != "":
			b.WriteString("\n")
		default:
			b.WriteString(line)
		}
	}
	return b.String()
}

// anchors returns the GitHub anchors of the headings of Markdown text:
// lower case, letters, digits, '-' and '_' kept, everything else dropped,
// spaces to '-'; a repeated anchor gets "-1", "-2", ...
func anchors(text string) map[string]bool {
	out := map[string]bool{}
	seen := map[string]int{}
	for _, m := range headingRE.FindAllStringSubmatch(stripCode(text), -1) {
		var b strings.Builder
		for _, r := range strings.ToLower(m[1]) {
			switch {
			case r == ' ':
				b.WriteByte('-')
			case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
				b.WriteRune(r)
			}
		}
		a := b.String()
		if n := seen[a]; n > 0 {
			out[a+"-"+strconv.Itoa(n)] = true
		} else {
			out[a] = true
		}
		seen[a]++
	}
	return out
}

// brokenLinks checks every relative link of the Markdown files (paths
// relative to root): the file or directory it names must exist, and an
// #anchor into a Markdown file must name one of its headings. External
// links (with a scheme, or starting with //) are not checked. It returns
// one line per broken link.
func brokenLinks(root string, files []string) ([]string, error) {
	texts := map[string]string{}
	read := func(rel string) (string, error) {
		if s, ok := texts[rel]; ok {
			return s, nil
		}
		b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(rel)))
		if err != nil {
			return "", err
		}
		texts[rel] = string(b)
		return string(b), nil
	}
	var bad []string
	for _, f := range files {
		text, err := read(f)
		if err != nil {
			return nil, err
		}
		body := codeSpanRE.ReplaceAllString(stripCode(text), "")
		var targets []string
		for _, m := range inlineLinkRE.FindAllStringSubmatch(body, -1) {
			targets = append(targets, m[1])
		}
		for _, m := range refLinkRE.FindAllStringSubmatch(body, -1) {
			targets = append(targets, m[1])
		}
		for _, target := range targets {
			if target == "" || schemeRE.MatchString(target) || strings.HasPrefix(target, "//") {
				continue
			}
			p, frag, _ := strings.Cut(target, "#")
			if up, err := url.PathUnescape(p); err == nil {
				p = up
			}
			dest := f
			if p != "" {
				dest = filepath.ToSlash(filepath.Clean(filepath.Join(filepath.Dir(f), p)))
				if dest == ".." || strings.HasPrefix(dest, "../") {
					bad = append(bad, fmt.Sprintf("%s: link %q leaves the repository", f, target))
					continue
				}
				if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(dest))); err != nil {
					bad = append(bad, fmt.Sprintf("%s: link %q: no file %s", f, target, dest))
					continue
				}
			}
			if frag == "" || !strings.HasSuffix(dest, ".md") {
				continue
			}
			destText, err := read(dest)
			if err != nil {
				return nil, err
			}
			if !anchors(destText)[strings.ToLower(frag)] {
				bad = append(bad, fmt.Sprintf("%s: link %q: no heading #%s in %s", f, target, frag, dest))
			}
		}
	}
	return bad, nil
}

// TestMarkdownLinks: every relative link in every tracked Markdown file
// names an existing file, and every #anchor an existing heading.
func TestMarkdownLinks(t *testing.T) {
	files := markdownFiles(t, repoRoot)
	for _, want := range []string{"README.md", "docs/metrics.md", "docs/cli.md"} {
		found := false
		for _, f := range files {
			found = found || f == want
		}
		if !found {
			t.Errorf("%s is not among the Markdown files %v", want, files)
		}
	}
	bad, err := brokenLinks(repoRoot, files)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bad {
		t.Error(b)
	}
}

// TestBrokenLinksFound plants one good and several broken links of each
// kind and checks that exactly the broken ones are reported.
func TestBrokenLinksFound(t *testing.T) {
	root := t.TempDir()
	write := func(rel, text string) {
		p := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("docs/b.md", "# B title\n\n## `metrics.json`\n\n## Try it: `make demo`\n\n## Dup\n\n## Dup\n")
	write("a.md", strings.Join([]string{
		"[ok](docs/b.md) [ok anchor](docs/b.md#metricsjson) [ok](docs/b.md#try-it-make-demo) [dup](docs/b.md#dup-1)",
		"[self](#a) [web](https://example.com/x.md) [dir](docs/)",
		"[missing](docs/nope.md)",
		"[bad anchor](docs/b.md#nope)",
		"[outside](../shared/spec/metrics.md)",
		"![img](img/none.png)",
		"[ref]: docs/gone.md",
		"`[in code](docs/code-span.md)`",
		"```",
		"[in a fence](docs/fenced.md)",
		"```",
		"# A",
	}, "\n")+"\n")
	bad, err := brokenLinks(root, []string{"a.md", "docs/b.md"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`a.md: link "docs/nope.md": no file docs/nope.md`,
		`a.md: link "docs/b.md#nope": no heading #nope in docs/b.md`,
		`a.md: link "../shared/spec/metrics.md" leaves the repository`,
		`a.md: link "img/none.png": no file img/none.png`,
		`a.md: link "docs/gone.md": no file docs/gone.md`,
	}
	if strings.Join(bad, "\n") != strings.Join(want, "\n") {
		t.Errorf("broken links:\n%s\nwant:\n%s", strings.Join(bad, "\n"), strings.Join(want, "\n"))
	}
}
