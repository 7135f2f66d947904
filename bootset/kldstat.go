// Package bootset reads what decides the modules a FreeBSD machine loads and
// in which order: the loader's loader.conf files (loader.conf(5)), rc.conf's
// kld_list (rc.d/kld), and the list of files a running kernel has loaded,
// as kldstat(8) prints it. The simulated kernel (package linker) then loads
// them in that order.
package bootset

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// LoadedFile is one file of a kldstat listing.
type LoadedFile struct {
	ID, Refs int
	Address  uint64
	Size     uint64
	Name     string // kldstat's Name column: the file's base name
	Path     string // its pathname (kldstat -v), "" without -v
	Modules  []string
}

// maxKldstat bounds a listing read (a kernel has at most a few thousand
// files loaded).
const maxKldstat = 16 << 20

// kldstat's file line: "%2d %4d %*p %8zx %s" then, with -v, " (%s)"
// (sbin/kldstat/kldstat.c, FreeBSD 15); -h prints a humanized size.
var reFileLine = regexp.MustCompile(`^\s*(\d+)\s+(\d+)\s+(0x[0-9a-fA-F]+)\s+([0-9a-fA-F]+|[0-9.]+[KMGTPE]?)\s+(\S+)(?:\s+\((.*)\))?\s*$`)

// reModLine is a module line of -v: "\t\t%3d %s".
var reModLine = regexp.MustCompile(`^\s+(\d+)\s+(\S+)(?:\s+\(.*\))?\s*$`)

// ParseKldstat reads the output of kldstat or kldstat -v, as saved on a
// machine: the files in load order (the kernel first). name says where the
// text came from, for errors.
func ParseKldstat(name string, r io.Reader) ([]LoadedFile, error) {
	sc := bufio.NewScanner(io.LimitReader(r, maxKldstat))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var out []LoadedFile
	header := false
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "":
			continue
		case strings.HasPrefix(trimmed, "Id Refs Address"):
			header = true
			continue
		case trimmed == "Contains modules:" || trimmed == "Id Name":
			continue
		}
		if m := reFileLine.FindStringSubmatch(line); m != nil && !strings.HasPrefix(line, "\t\t") {
			f := LoadedFile{Name: m[5], Path: m[6]}
			f.ID, _ = strconv.Atoi(m[1])
			f.Refs, _ = strconv.Atoi(m[2])
			f.Address, _ = strconv.ParseUint(strings.TrimPrefix(strings.ToLower(m[3]), "0x"), 16, 64)
			f.Size, _ = strconv.ParseUint(m[4], 16, 64) // 0 for -h's humanized sizes
			out = append(out, f)
			continue
		}
		if m := reModLine.FindStringSubmatch(line); m != nil && len(out) > 0 {
			last := &out[len(out)-1]
			last.Modules = append(last.Modules, m[2])
			continue
		}
		return nil, fmt.Errorf("%s:%d: not a line of kldstat output: %q", name, n, clip(trimmed))
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	if !header || len(out) == 0 {
		return nil, fmt.Errorf("%s: not kldstat output (no \"Id Refs Address Size Name\" header and file lines)", name)
	}
	return out, nil
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}
