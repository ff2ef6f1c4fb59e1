//go:build unix

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// corpusDir is the labelled corpus of real conversations beside the
// repository (../shared/corpus from the repository's root).
const corpusDir = "../../../shared/corpus"

// BenchmarkCheckCorpus runs the built parley binary's `check` over the
// real corpora in ../shared/corpus: the seed's Markdown layout
// (attractors/), "### Name ###" headed blocks (backrooms/), both, the
// seed's layout repeated to 303 files (as many as the system that made the
// seed wrote), both repeated to 742 files, and to 4 × 742 to show whether
// memory grows with the corpus. Each iteration runs `cat` of the same
// transcripts to /dev/null, a raw read of them and `parley check` of them,
// in rotating order, as separate processes; the figures are medians over
// the iterations of check's MB/s, the ratio of check's wall time to cat's
// and to the raw read's and of its CPU time to theirs, with the lowest and
// highest ratio, and check's peak resident memory.
//
// The raw read (rawReader) is the floor of any reader of these files: one
// small process that reads each file through the same 128 KiB buffer and
// does nothing with the bytes. cat is the goal's yardstick, but its cost
// is not only the bytes: GNU cat allocates its buffer afresh for each file
// it opens, so on a machine where a page fault is dear (a virtual machine
// whose memory the host maps) cat of 742 files is slowed by its own page
// faults, and check looks faster beside it than it is. The raw read shows
// what reading the bytes costs there.
// Files check reports it cannot read are counted (unread-files): their
// bytes are in MB/s all the same.
// The binary is built from the working tree, so the figures are check's
// as it stands.
func BenchmarkCheckCorpus(b *testing.B) {
	if _, err := os.Stat(corpusDir); err != nil {
		b.Skip("../shared/corpus is absent: there is no real corpus to check")
	}
	bin := filepath.Join(b.TempDir(), "parley")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		b.Fatalf("building parley: %v", err)
	}
	raw := rawReader(b)
	attractors, backrooms := filepath.Join(corpusDir, "attractors"), filepath.Join(corpusDir, "backrooms")
	scaled := func(n int, from ...string) string {
		dir := b.TempDir()
		var mds []string
		for _, d := range from {
			m, _ := filepath.Glob(filepath.Join(d, "*.md"))
			mds = append(mds, m...)
		}
		// Copies, not hard links: check reads a file it is given twice
		// once, and the same file under two names is given twice.
		copyFile := func(src, dst string) {
			data, err := os.ReadFile(src)
			if err == nil {
				err = os.WriteFile(dst, data, 0o600)
			}
			if err != nil {
				b.Fatal(err)
			}
		}
		for i := range n {
			src := mds[i%len(mds)]
			stem := fmt.Sprintf("%04d-%s", i, strings.TrimSuffix(filepath.Base(src), ".md"))
			copyFile(src, filepath.Join(dir, stem+".md"))
			if exp := strings.TrimSuffix(src, ".md") + ".expect.yaml"; fileExists(exp) {
				copyFile(exp, filepath.Join(dir, stem+".expect.yaml"))
			}
		}
		return dir
	}
	sets := []struct {
		name string
		dirs []string
	}{
		{"attractors", []string{attractors}},
		{"backrooms", []string{backrooms}},
		{"both", []string{attractors, backrooms}},
		{"attractors-files=303", []string{scaled(303, attractors)}},
		{"files=742", []string{scaled(742, attractors, backrooms)}},
		{"files=2968", []string{scaled(4*742, attractors, backrooms)}},
	}
	// What a check process costs before it reads a transcript: the same
	// small recording (2 KB) checked alone, beside /bin/true, so the fixed
	// cost that weighs on a small corpus shows apart from the cost per byte.
	b.Run("start-up", func(b *testing.B) {
		small := filepath.Join("..", "..", "transcripts", "corpus", "loop-ctrl-c.md")
		var checks, trues []float64
		for i := 0; b.Loop(); i++ {
			var c, t proc
			if i%2 == 0 {
				t, c = runProc(b, "true"), runProc(b, bin, "check", small)
			} else {
				c, t = runProc(b, bin, "check", small), runProc(b, "true")
			}
			checks = append(checks, c.wall.Seconds()*1e3)
			trues = append(trues, t.wall.Seconds()*1e3)
		}
		spread(b, checks, "check-ms")
		spread(b, trues, "true-ms")
	})
	for _, set := range sets {
		b.Run(set.name, func(b *testing.B) {
			var files []string
			size := 0
			for _, d := range set.dirs {
				m, _ := filepath.Glob(filepath.Join(d, "*.md"))
				for _, f := range m {
					st, _ := os.Stat(f)
					size += int(st.Size())
				}
				files = append(files, m...)
			}
			cat := func() proc { return runProc(b, "cat", files...) }
			rawRead := func() proc { return runProc(b, raw, files...) }
			check := func() proc { return runProc(b, bin, append([]string{"check"}, set.dirs...)...) }
			var mbs, catMBs, rawMBs, ratios, rawRatios, cpus, rawCPUs []float64
			peak, unread := int64(0), 0
			for i := 0; b.Loop(); i++ {
				// The three take turns going first, second and third.
				var c, r, p proc
				switch i % 3 {
				case 0:
					c, r, p = cat(), rawRead(), check()
				case 1:
					r, p, c = rawRead(), check(), cat()
				default:
					p, c, r = check(), cat(), rawRead()
				}
				mbs = append(mbs, float64(size)/1e6/p.wall.Seconds())
				catMBs = append(catMBs, float64(size)/1e6/c.wall.Seconds())
				rawMBs = append(rawMBs, float64(size)/1e6/r.wall.Seconds())
				ratios = append(ratios, p.wall.Seconds()/c.wall.Seconds())
				rawRatios = append(rawRatios, p.wall.Seconds()/r.wall.Seconds())
				cpus = append(cpus, p.cpu.Seconds()/max(c.cpu.Seconds(), 1e-3))
				rawCPUs = append(rawCPUs, p.cpu.Seconds()/max(r.cpu.Seconds(), 1e-3))
				peak, unread = max(peak, p.maxRSS), p.unread
				// A figure over files check did not judge would flatter it.
				if want := fmt.Sprintf("%d transcripts,", len(files)); !strings.Contains(p.summary, want) {
					b.Fatalf("check judged other than the %d files it was given: %q", len(files), p.summary)
				}
				// Nor would one over a raw read that read less than them.
				if want := fmt.Sprintf("read %d files, %d bytes", len(files), size); r.summary != want {
					b.Fatalf("the raw read said %q, not %q", r.summary, want)
				}
			}
			b.ReportMetric(float64(len(files)), "files")
			b.ReportMetric(float64(unread), "unread-files")
			b.ReportMetric(float64(size)/1e6, "MB")
			spread(b, mbs, "MB/s")
			spread(b, catMBs, "cat-MB/s")
			spread(b, rawMBs, "raw-MB/s")
			spread(b, ratios, "check/cat")
			spread(b, cpus, "cpu-check/cat")
			spread(b, rawRatios, "check/raw")
			spread(b, rawCPUs, "cpu-check/raw")
			b.ReportMetric(float64(peak)/1024, "peak-MiB")
		})
	}
}

// proc is how a finished process fared.
type proc struct {
	wall, cpu time.Duration
	maxRSS    int64  // KiB
	unread    int    // files check said it could not read
	summary   string // check's last line that counts transcripts, or the raw read's count without its prefix
}

// runProc runs a command with its output thrown away. check exits 1 when a
// labelled transcript fails its expectation; that is a verdict, not a
// failure of the benchmark. check's standard output, a line per file, and
// the raw read's one line go through a pipe to be read for their summary;
// cat's goes to /dev/null itself, as `cat FILES > /dev/null` sends it:
// piped into this process, every byte cat read would be copied twice
// more, and cat would be timed at a fraction of its speed.
func runProc(b *testing.B, name string, args ...string) proc {
	cmd := exec.Command(name, args...)
	out := &tail{}
	cmd.Stdout = out
	if name == "cat" {
		cmd.Stdout = nil // os/exec opens the null device for the process itself
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if err != nil && (cmd.ProcessState == nil || cmd.ProcessState.ExitCode() != 1) {
		b.Fatalf("%s: %v\n%s", name, err, stderr.String())
	}
	ps := cmd.ProcessState
	ru, _ := ps.SysUsage().(*syscall.Rusage)
	p := proc{wall: wall, cpu: ps.UserTime() + ps.SystemTime()}
	for _, l := range strings.Split(stderr.String(), "\n") {
		if strings.HasPrefix(l, "parley: ") && strings.Contains(l, ".md: ") {
			p.unread++
		}
	}
	if ru != nil {
		p.maxRSS = ru.Maxrss
	}
	for _, l := range strings.Split(string(out.b), "\n") {
		if strings.Contains(l, " transcripts,") {
			p.summary = l
		}
		if r, ok := strings.CutPrefix(l, rawReadSays); ok {
			p.summary = r
		}
	}
	return p
}

// tail keeps the last 4 KiB written to it: a command's output, thrown
// away but for its summary lines, at the cost of a copy.
type tail struct{ b []byte }

func (t *tail) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if len(t.b) > 8<<10 {
		t.b = append(t.b[:0], t.b[len(t.b)-4<<10:]...)
	}
	return len(p), nil
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// rawReadSays starts the raw reader's one line of output.
const rawReadSays = "rawread: "

// rawReadSource is the raw read: every file named, read through one
// 128 KiB buffer and thrown away, then one line that counts them, which
// the benchmark checks so that the floor it compares with covers every
// byte check read.
const rawReadSource = `package main

import (
	"fmt"
	"io"
	"os"
)

func main() {
	buf := make([]byte, 128<<10)
	total := 0
	for _, name := range os.Args[1:] {
		f, err := os.Open(name)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		for {
			n, err := f.Read(buf)
			total += n
			if err == io.EOF {
				break
			}
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(2)
			}
		}
		f.Close()
	}
	fmt.Printf("` + rawReadSays + `read %d files, %d bytes\n", len(os.Args)-1, total)
}
`

// rawReader builds the raw read and returns the program's path.
func rawReader(b *testing.B) string {
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(rawReadSource), 0o600); err != nil {
		b.Fatal(err)
	}
	bin := filepath.Join(dir, "rawread")
	build := exec.Command("go", "build", "-o", bin, "main.go")
	build.Dir = dir
	build.Env = append(os.Environ(), "GOFLAGS=", "GO111MODULE=on")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("building the raw read: %v\n%s", err, out)
	}
	return bin
}
