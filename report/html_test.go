package report

import (
	"bytes"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kldcheck/kldcheck/internal/testutil"
	"github.com/kldcheck/kldcheck/kobj"
	"github.com/kldcheck/kldcheck/linker"
	"github.com/kldcheck/kldcheck/profile"
	"github.com/kldcheck/kldcheck/scan"
)

// loadPage simulates vnet_user.ko (with vnet_owner.ko) and bigvnet.ko on the
// arm64 fixture kernel under freebsd-8.2 and renders the load page.
func loadPage(t *testing.T) (string, *linker.Linker) {
	dir := filepath.Join(testutil.Root(t), "testdata", "arm64")
	k, err := kobj.Open(filepath.Join(dir, "kernel"))
	if err != nil {
		t.Fatal(err)
	}
	p, _ := profile.ByName("freebsd-8.2")
	l, err := linker.New(linker.Options{Profile: p, Kernel: k, ModulePath: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.LoadAll([]string{filepath.Join(dir, "vnet_user.ko"), filepath.Join(dir, "bigvnet.ko")}); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteLoadHTML(&b, l); err != nil {
		t.Fatal(err)
	}
	return b.String(), l
}

// The page draws each module's range, one "should" marker per
// mis-redirected reference, lists where they land instead, and needs
// nothing from the network.
func TestLoadHTML(t *testing.T) {
	page, l := loadPage(t)
	withAddrs := 0
	for _, f := range l.Findings {
		if f.HasAddrs {
			withAddrs++
			if !strings.Contains(page, hex(f.Actual)+" instead") {
				t.Errorf("page does not say where %s lands (%s)", f.Symbol, hex(f.Actual))
			}
		}
	}
	if withAddrs == 0 {
		t.Fatal("fixture gave no finding with addresses")
	}
	if n := strings.Count(page, `<path class="expected"`); n != withAddrs {
		t.Errorf("%d expected-markers for %d mis-redirected references", n, withAddrs)
	}
	for _, want := range []string{"vnet_owner.ko: 0x", "set_vnet", "set_pcpu", "modspace-exhausted"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if ext := regexp.MustCompile(`(src|href)="?(https?:)?//`).FindString(page); ext != "" {
		t.Errorf("page loads from the network: %s", ext)
	}
}

func TestScanHTML(t *testing.T) {
	res, err := scan.Run(scan.Options{Dirs: []string{filepath.Join(testutil.Root(t), "testdata", "arm64-lld14-relax")}})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteScanHTML(&b, res); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, want := range []string{"vnet_local.ko loaded with its dependencies", "set-ref-pcrel", "vnet_owner.ko</td><td class=\"clean\">"} {
		if !strings.Contains(page, want) {
			t.Errorf("scan page lacks %q", want)
		}
	}
}

// In headless Chromium (Debian's chromium, when installed) the page renders
// to a picture that is not blank: it holds the module-range blue and the
// free-space hatching besides white.
func TestLoadHTMLRendersInChromium(t *testing.T) {
	bin, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium not installed (apt-get install chromium)")
	}
	page, _ := loadPage(t)
	dir := t.TempDir()
	html, shot := filepath.Join(dir, "load.html"), filepath.Join(dir, "load.png")
	if err := os.WriteFile(html, []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+filepath.Join(dir, "profile"), "--hide-scrollbars", "--window-size=1200,800",
		"--screenshot="+shot, "file://"+html)
	done := make(chan error, 1)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("chromium: %v\n%s", err, out.String())
		}
	case <-time.After(90 * time.Second):
		cmd.Process.Kill()
		t.Fatal("chromium did not finish in 90 s")
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	var white, blue, total int
	bounds := img.Bounds()
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			r, g, b = r>>8, g>>8, b>>8
			total++
			switch {
			case r > 245 && g > 245 && b > 245:
				white++
			case r == 0x4e && g == 0x79 && b == 0xa7:
				blue++
			}
		}
	}
	if total == 0 || white > total*98/100 {
		t.Errorf("picture is blank: %d of %d pixels white", white, total)
	}
	if blue < 200 {
		t.Errorf("only %d pixels of a module's range (#4e79a7) drawn", blue)
	}
	t.Logf("%dx%d picture: %d%% white, %d module-range pixels", bounds.Dx(), bounds.Dy(), 100*white/total, blue)
}
