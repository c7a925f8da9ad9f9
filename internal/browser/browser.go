// Package browser renders pages in headless Chromium for tests that look at what lvslab draws: a
// screenshot to check a picture is not blank, and the DOM after the page's scripts ran, to check what was
// laid out where. Each run has a profile of its own in a temporary folder, and every process Chromium
// starts is killed when it returns.
package browser

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"
)

// RequireEnv, set to 1 (make test sets it), makes a test that needs Chromium fail when it is missing
// rather than skip.
const RequireEnv = "LVSLAB_BROWSER_TESTS"

// Names Chromium goes by, in the order they are looked for.
var names = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// Find is the path of Chromium, or an error that says how to install it.
func Find() (string, error) {
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p, nil
		}
	}
	return "", errors.New("no Chromium on PATH (looked for chromium, chromium-browser, google-chrome): apt-get install chromium")
}

// Need returns Chromium's path, skipping the test when there is none unless RequireEnv asks for it.
func Need(t testing.TB) string {
	t.Helper()
	p, err := Find()
	if err == nil {
		return p
	}
	if os.Getenv(RequireEnv) == "1" {
		t.Fatalf("%v (%s=1 asks for the browser tests)", err, RequireEnv)
	}
	t.Skipf("%v; make test runs these tests", err)
	return ""
}

// Screenshot renders the file at width×height pixels and decodes the PNG.
func Screenshot(ctx context.Context, chromium, file string, width, height int) (img image.Image, err error) {
	err = inProfile(func(dir string) error {
		shot := filepath.Join(dir, "shot.png")
		if _, err := run(ctx, chromium, dir, fmt.Sprintf("--window-size=%d,%d", width, height), "--screenshot="+shot, fileURL(file)); err != nil {
			return err
		}
		data, err := os.ReadFile(shot)
		if err != nil {
			return fmt.Errorf("chromium wrote no screenshot: %w", err)
		}
		img, err = png.Decode(bytes.NewReader(data))
		return err
	})
	return img, err
}

// DOM loads the file at width pixels wide, lets its scripts run for up to budget of the page's own time,
// and returns the document as it then is.
func DOM(ctx context.Context, chromium, file string, width int, budget time.Duration) (dom string, err error) {
	err = inProfile(func(dir string) error {
		out, err := run(ctx, chromium, dir, fmt.Sprintf("--window-size=%d,900", width),
			fmt.Sprintf("--virtual-time-budget=%d", budget.Milliseconds()), "--dump-dom", fileURL(file))
		dom = string(out)
		return err
	})
	return dom, err
}

// Measured decodes the JSON a page's script wrote as the text of its <pre id="ID">, found in a DOM that
// DOM returned: how tests read what the browser laid out.
func Measured(dom, id string, v any) error {
	m := regexp.MustCompile(`(?s)<pre id="` + regexp.QuoteMeta(id) + `">(.*?)</pre>`).FindStringSubmatch(dom)
	if m == nil || m[1] == "" {
		return fmt.Errorf("the page wrote no measurements in <pre id=%q>:\n%.2000s", id, dom)
	}
	if err := json.Unmarshal([]byte(html.UnescapeString(m[1])), v); err != nil {
		return fmt.Errorf("the page's measurements: %w in %s", err, m[1])
	}
	return nil
}

// inProfile runs f with a folder of its own for Chromium's profile and output, removed after.
func inProfile(f func(dir string) error) error {
	dir, err := os.MkdirTemp("", "lvslab-browser-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	return f(dir)
}

func fileURL(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	return "file://" + abs
}

// run starts Chromium headless with a profile in dir and no network, in a process group of its own that
// is killed when it returns: its helpers do not outlive it.
func run(ctx context.Context, chromium, dir string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	base := []string{"--headless", "--disable-gpu", "--no-first-run", "--no-default-browser-check", "--hide-scrollbars",
		"--user-data-dir=" + filepath.Join(dir, "profile"), "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
		"--disable-extensions", "--disable-sync", "--disable-background-networking", "--mute-audio"}
	if os.Geteuid() == 0 {
		base = append(base, "--no-sandbox") // Chromium refuses to run as root with its sandbox
	}
	cmd := exec.CommandContext(ctx, chromium, append(base, args...)...)
	inGroup(cmd)
	cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_CONFIG_HOME="+dir, "XDG_CACHE_HOME="+dir)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	killGroup(cmd) // helpers left in the group
	if err != nil {
		return nil, fmt.Errorf("%s: %w\n%s", chromium, err, tail(stderr.Bytes(), 2000))
	}
	return stdout.Bytes(), nil
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// Ink is the share of the image's pixels that differ clearly from its most common colour (the
// background), and how many distinct colours it has: a blank page has no ink and one colour.
func Ink(img image.Image) (share float64, colours int) {
	b := img.Bounds()
	count := map[[3]uint32]int{}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			count[[3]uint32{r >> 8, g >> 8, bl >> 8}]++
		}
	}
	var bg [3]uint32
	for c, n := range count {
		if n > count[bg] {
			bg = c
		}
	}
	inked := 0
	for c, n := range count {
		if d := gray(c) - gray(bg); d > 0x20 || d < -0x20 {
			inked += n
		}
	}
	return float64(inked) / float64(b.Dx()*b.Dy()), len(count)
}

// gray is a colour's luma, 0..255.
func gray(c [3]uint32) int { return int((299*c[0] + 587*c[1] + 114*c[2]) / 1000) }
