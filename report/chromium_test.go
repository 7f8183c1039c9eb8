package report

import (
	"context"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tokenscope/tokenscope/profile"
	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/transcripts"
	"github.com/tokenscope/tokenscope/transcripts/synthetic"
)

// layoutCheck runs in the rendered page and writes what is wrong with its
// layout into #layout-check: chart text outside its chart (a clipped
// title), and table headings broken inside a word (a heading wraps only
// where the page put a <wbr>, so every text node stays on one line).
const layoutCheck = `<pre id="layout-check"></pre>
<script>
(function () {
  var bad = [];
  document.querySelectorAll("svg").forEach(function (svg, i) {
    var box = svg.getBoundingClientRect();
    svg.querySelectorAll("text").forEach(function (t) {
      var r = t.getBoundingClientRect();
      // A few pixels of a glyph's ink past its box is the font, not a cut.
      if (r.width > 0 && (r.left < box.left - 4 || r.right > box.right + 4 || r.top < box.top - 4 || r.bottom > box.bottom + 4)) {
        bad.push("chart " + i + ": text outside the chart: " + t.textContent + " " + JSON.stringify([r.left, r.right, r.top, r.bottom, box.left, box.right, box.top, box.bottom]));
      }
    });
  });
  document.querySelectorAll("th").forEach(function (th) {
    var walk = document.createTreeWalker(th, NodeFilter.SHOW_TEXT);
    for (var n = walk.nextNode(); n; n = walk.nextNode()) {
      var top = null;
      for (var k = 0; k < n.length; k++) {
        var rg = document.createRange();
        rg.setStart(n, k); rg.setEnd(n, k + 1);
        var rs = rg.getClientRects();
        if (!rs.length || /\s/.test(n.data[k])) continue;
        if (top !== null && Math.abs(rs[0].top - top) > 2) {
          bad.push("heading broken inside a word: " + th.textContent);
          break;
        }
        top = rs[0].top;
      }
    }
  });
  document.getElementById("layout-check").textContent = "checked: " + (bad.length ? bad.join("\n") : "ok");
})();
</script>
`

// chromium is the headless browser on this machine, "" when none
// (.ci/run installs one).
func chromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless_shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// renderInChromium loads page in headless Chromium at a width of w CSS
// pixels and returns what layoutCheck found.
func renderInChromium(t *testing.T, browser string, page []byte, w int) string {
	t.Helper()
	dir := t.TempDir()
	file := filepath.Join(dir, "page.html")
	withCheck := strings.Replace(string(page), "</body>", layoutCheck+"</body>", 1)
	if err := os.WriteFile(file, []byte(withCheck), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--user-data-dir="+filepath.Join(dir, "profile"), "--window-size="+strconv.Itoa(w)+",1200",
		"--dump-dom", "file://"+file)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	m := regexp.MustCompile(`(?s)<pre id="layout-check">(.*?)</pre>`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("chromium ran no check:\n%.2000s", out)
	}
	return html.UnescapeString(string(m[1]))
}

// The page as Chromium draws it: no chart title clipped (a long one, of
// a conversation drawn as means of calls with the window off the chart,
// goes on two lines), no heading broken inside a word (the conversations
// table's spec headings on a real Claude Code tree), at a phone's and a
// laptop's width. Skipped where no Chromium is installed; .ci/run
// installs one.
func TestHTMLRendersInChromium(t *testing.T) {
	browser := chromium()
	if browser == "" {
		t.Skip("no chromium on this machine (.ci/run installs it)")
	}
	real := profileOf(t, "../transcripts/testdata/real/claude_code")
	// Bars of means, and a 1M window far off the chart: the longest title.
	long, err := profile.New(&transcripts.Source{Path: "synthetic.jsonl", Format: "native",
		Conversations: []*transcripts.Conversation{synthetic.Conversation(200, 7)}}, profile.Options{Model: "claude-sonnet-4-6"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		p    *profile.Profile
	}{{"real claude code tree", real}, {"200 calls priced as claude-sonnet-4-6", long}} {
		// The charts scale with the page: one narrow width shows both.
		page := render(t, tc.p, "html", Options{Prices: price.Default()})
		if got := renderInChromium(t, browser, page, 600); got != "checked: ok" {
			t.Errorf("%s: %s", tc.name, got)
		}
	}
}

// An estimated count names the factor its encoding's counts were scaled
// by, as the TUI's header does (≈o200k_base×1.10).
func TestHTMLCountsFactor(t *testing.T) {
	p := profileOf(t, "../transcripts/testdata/real/claude_code")
	tok := p.Result.Tokenizer
	if tok == nil || tok.Exact || tok.Factor == 1 {
		t.Fatalf("the tree is not counted with a scaled estimate: %+v", tok)
	}
	page := string(render(t, p, "html", Options{Prices: price.Default()}))
	if want := "≈ estimated from " + tok.Encoding + " ×1.10"; !strings.Contains(page, want) {
		t.Errorf("page lacks %q", want)
	}
}
