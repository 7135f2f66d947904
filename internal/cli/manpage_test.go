package cli

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/kldcheck/kldcheck/internal/testutil"
)

func manPage(t *testing.T) (string, string) {
	p := filepath.Join(testutil.Root(t), "docs", "kldcheck.8")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return p, string(b)
}

// kldcheck(8) names every subcommand in its SYNOPSIS and every flag each
// one takes, so that the page cannot fall behind the command line.
func TestManPageCoversCommandLine(t *testing.T) {
	_, page := manPage(t)
	synopsis := page[strings.Index(page, ".Sh SYNOPSIS"):strings.Index(page, ".Sh DESCRIPTION")]
	root := newRoot(nil, nil)
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Hidden {
			continue
		}
		if !regexp.MustCompile(`(?m)^\.Nm\n\.Cm ` + regexp.QuoteMeta(c.Name()) + `\b`).MatchString(synopsis) {
			t.Errorf("SYNOPSIS lacks a line for %q", c.Name())
		}
		checkFlags(t, page, c)
	}
}

func checkFlags(t *testing.T, page string, c *cobra.Command) {
	c.NonInheritedFlags().VisitAll(func(f *pflag.Flag) {
		if f.Name == "help" {
			return
		}
		long := regexp.MustCompile(`Fl -` + regexp.QuoteMeta(f.Name) + `\b`)
		short := f.Shorthand != "" && regexp.MustCompile(`Fl `+regexp.QuoteMeta(f.Shorthand)+`\b`).MatchString(page)
		if !long.MatchString(page) && !short {
			t.Errorf("%s: flag --%s is not documented", c.Name(), f.Name)
		}
	})
	for _, sub := range c.Commands() {
		checkFlags(t, page, sub)
	}
}

// mandoc -T lint finds nothing wrong with the page. The only messages
// allowed are cross-references to pages this machine lacks (Debian ships no
// FreeBSD section 8), and only when `man -w` confirms they are absent.
func TestManPageLint(t *testing.T) {
	mandoc, err := exec.LookPath("mandoc")
	if err != nil {
		t.Skip("mandoc not installed (apt-get install mandoc)")
	}
	path, _ := manPage(t)
	out, _ := exec.Command(mandoc, "-T", "lint", path).Output() // stdout: the messages
	missing := regexp.MustCompile(`referenced manual not found: Xr (\S+) (\d)`)
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if line == "" {
			continue
		}
		m := missing.FindStringSubmatch(line)
		if m == nil {
			t.Errorf("mandoc: %s", line)
			continue
		}
		var stderr bytes.Buffer
		cmd := exec.Command("man", "-w", m[2], m[1])
		cmd.Stderr = &stderr
		if err := cmd.Run(); err == nil {
			t.Errorf("mandoc says %s(%s) is missing, but man -w finds it: %s", m[1], m[2], line)
		}
	}
}
