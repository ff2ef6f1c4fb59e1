package report

import (
	"context"
	"fmt"
	"iter"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/parleyhq/parley/analysis"
)

// chromium finds a Chromium binary: Debian's chromium, the headless shell,
// or Chrome.
func chromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "chromium-headless-shell", "headless_shell", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	for _, p := range []string{"/usr/lib/chromium/chromium", "/usr/lib/chromium/chromium-headless-shell"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

// openPage opens report.html written for r into dir in headless Chromium
// at a desktop's size, skipping the test where Chromium is not installed.
// What the page writes to the console is read from its loading on.
func openPage(t *testing.T, dir string, r analysis.Report) (context.Context, iter.Seq2[chromedp.ConsoleMessage, error]) {
	t.Helper()
	bin := chromium()
	if bin == "" {
		t.Skip("Chromium is not installed, so report.html is not tested in a browser; install it with apt-get install chromium (CI does)")
	}
	if err := Write(dir, r, Guard{}); err != nil {
		t.Fatal(err)
	}
	page := (&url.URL{Scheme: "file", Path: filepath.ToSlash(filepath.Join(dir, HTMLFile))}).String()
	ctx := startBrowser(t, bin)
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(cancel)
	// Subscribe to the console before the page loads, so nothing is missed.
	messages := chromedp.Console(ctx)
	if err := chromedp.Do(ctx, chromedp.Navigate(page), chromedp.WaitReady(chromedp.ID("matrix"))); err != nil {
		t.Fatalf("opening %s in %s: %v", page, bin, err)
	}
	return ctx, messages
}

// startBrowser starts Chromium at bin and opens a tab in it, trying up to
// three times: a browser that fails to start on a busy machine is started
// afresh, with an allocator of its own. Asking the same context again
// would start a second browser for it, and chromedp then closes the
// context's channel twice and panics.
func startBrowser(t *testing.T, bin string) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(bin), chromedp.NoSandbox,
		chromedp.WindowSize(1400, 1000), chromedp.Flag("disable-dev-shm-usage", true))
	var err error
	for attempt := 1; attempt <= 3; attempt++ {
		actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, cancel := chromedp.NewContext(actx)
		if err = chromedp.Do(ctx); err == nil {
			t.Cleanup(cancelAlloc)
			t.Cleanup(cancel)
			return ctx
		}
		cancel()
		cancelAlloc()
		t.Logf("starting %s, attempt %d: %v", bin, attempt, err)
	}
	t.Fatalf("starting %s: %v", bin, err)
	return nil
}

// A speaker's name of 300 letters stays in its boxes: the matrix's
// headers cut it short with an ellipsis (the whole name on hover), and a
// conversation's heading wraps it inside its card instead of running past
// the card's edge. Its transcript, whose name holds a colon, is linked
// from the report written beside it as the file it is, not as a URL of
// the scheme the colon would end.
func TestReportKeepsLongNamesInTheirBoxes(t *testing.T) {
	dir := t.TempDir()
	long := strings.Repeat("O", 300)
	var md strings.Builder
	md.WriteString("# " + long + " ↔ Pat\n\n---\n\n")
	for i := range 8 {
		speaker := long
		if i%2 == 1 {
			speaker = "Pat"
		}
		fmt.Fprintf(&md, "### %s\n\nA new thought on gardens, number %d, with beds of kale.\n\n---\n\n", speaker, i)
	}
	transcript := filepath.Join(dir, "long:1.md")
	if err := os.WriteFile(transcript, []byte(md.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, _ := openPage(t, dir, buildFrom(t, dir, dir))
	sizes, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]float64](`(() => {
		const head = document.querySelector('#matrix tr').getBoundingClientRect();
		const row = document.querySelector('#matrix th.row').getBoundingClientRect();
		const card = document.querySelector('#convs').getBoundingClientRect();
		let over = 0;
		for (const e of document.querySelectorAll('#convs h3, #convs .facts')) {
			over = Math.max(over, e.getBoundingClientRect().right - card.right, e.scrollWidth - e.clientWidth);
		}
		return {head: head.height, row: row.width, over: over};
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	if sizes["head"] > 160 {
		t.Errorf("the matrix's header row is %.0f pixels tall for a 300-letter name; its label should be cut short", sizes["head"])
	}
	if sizes["row"] > 260 {
		t.Errorf("the matrix's row header is %.0f pixels wide for a 300-letter name; its label should be cut short", sizes["row"])
	}
	if sizes["over"] > 1 {
		t.Errorf("a conversation's heading runs %.0f pixels past its card", sizes["over"])
	}
	title, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#matrix th.row').title`))
	if err != nil {
		t.Fatal(err)
	}
	if title != long {
		t.Errorf("the row header's title is %q, want the whole name", title)
	}
	links, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('#convs h3 a'))
		.map(a => { const u = new URL(a.href); return u.protocol + decodeURIComponent(u.pathname); })`))
	if err != nil {
		t.Fatal(err)
	}
	if want := "file:" + filepath.ToSlash(transcript); !slices.Equal(links, []string{want}) {
		t.Errorf("the conversation links to %q, want %q", links, want)
	}
}

// The page in a real browser: opened from disk, it logs no error, its
// matrix has one cell per pair, and selecting a cell lists exactly that
// pair's conversations.
func TestReportInChromium(t *testing.T) {
	r := build(t)
	ctx, messages := openPage(t, t.TempDir(), r)
	cells, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#matrix .cell').length`))
	if err != nil {
		t.Fatal(err)
	}
	if cells != len(r.Pairs) {
		t.Errorf("the matrix has %d cells, want one per pair: %d", cells, len(r.Pairs))
	}

	// Select each cell in turn; the list must hold exactly its conversations.
	for i, p := range r.Pairs {
		var want []string
		for _, c := range r.Conversations {
			if c.Opener == p.Opener && c.Responder == p.Responder {
				want = append(want, c.File)
			}
		}
		cell := chromedp.CSS(fmt.Sprintf(`#matrix .cell[data-pair="%d"]`, i))
		if err := chromedp.Do(ctx, chromedp.Click(cell)); err != nil {
			t.Fatalf("selecting %s → %s: %v", p.Opener, p.Responder, err)
		}
		shown, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('#conv-list .conv'))
			.filter(e => e.offsetParent !== null)
			.map(e => e.querySelector('summary').textContent)`))
		if err != nil {
			t.Fatal(err)
		}
		heading, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("convs-title")))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(shown, want) {
			t.Errorf("selecting %s → %s lists %q, want %q", p.Opener, p.Responder, shown, want)
		}
		if !strings.Contains(heading, p.Opener+" → "+p.Responder) {
			t.Errorf("after selecting %s → %s the list is headed %q", p.Opener, p.Responder, heading)
		}
		// Selecting it again shows every conversation.
		if err := chromedp.Do(ctx, chromedp.Click(cell)); err != nil {
			t.Fatal(err)
		}
		all, err := chromedp.Run(ctx, chromedp.Evaluate[int](`Array.from(document.querySelectorAll('#conv-list .conv')).filter(e => e.offsetParent !== null).length`))
		if err != nil {
			t.Fatal(err)
		}
		if all != len(r.Conversations) {
			t.Errorf("selecting %s → %s again shows %d conversations, want all %d", p.Opener, p.Responder, all, len(r.Conversations))
		}
	}

	// On a phone's width the page does not scroll sideways: what is wider
	// than the screen (the matrix, the tables) scrolls in its own box.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(380, 800), chromedp.Sleep(200*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	wide, err := chromedp.Run(ctx, chromedp.Evaluate[[]int](`[document.documentElement.scrollWidth, window.innerWidth]`))
	if err != nil {
		t.Fatal(err)
	}
	if len(wide) == 2 && wide[0] > wide[1] {
		t.Errorf("at 380 pixels the page is %d pixels wide: it scrolls sideways", wide[0])
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1400, 1000)); err != nil {
		t.Fatal(err)
	}

	// Leave the first pair selected, and take a picture.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#matrix .cell[data-pair="0"]`)), chromedp.Sleep(300*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	// PARLEY_REPORT_SCREENSHOT keeps it where you want to look at it.
	out := os.Getenv("PARLEY_REPORT_SCREENSHOT")
	if out == "" {
		out = filepath.Join(t.TempDir(), "report.png")
	}
	if err := os.WriteFile(out, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot of the page with its first cell selected: %s (%d bytes)", out, len(shot))

	// Everything the page wrote to the console, up to a last line of ours.
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`console.log("report test done")`)); err != nil {
		t.Fatal(err)
	}
	var problems []string
	for m, err := range messages {
		if err != nil {
			t.Fatalf("reading the console: %v", err)
		}
		if m.Text == "report test done" {
			break
		}
		if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleException {
			problems = append(problems, fmt.Sprintf("%s: %s (%s:%d)", m.Type, m.Text, m.URL, m.Line+1))
		}
	}
	if len(problems) > 0 {
		t.Errorf("the page reported errors:\n%s", strings.Join(problems, "\n"))
	}
}
