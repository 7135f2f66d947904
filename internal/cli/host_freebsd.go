//go:build freebsd

package cli

import (
	"bytes"
	"os/exec"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/kldcheck/kldcheck/bootset"
)

func init() { host = freebsdHost{} }

// freebsdHost is the running FreeBSD kernel, read through sysctl(3) and
// kldstat(8).
type freebsdHost struct{}

func (freebsdHost) BootFile() (string, bool) {
	s, err := unix.Sysctl("kern.bootfile")
	return s, err == nil && s != ""
}

func (freebsdHost) ModulePath() ([]string, bool) {
	s, err := unix.Sysctl("kern.module_path")
	if err != nil || s == "" {
		return nil, false
	}
	var dirs []string
	for _, d := range strings.Split(s, ";") {
		if d != "" {
			dirs = append(dirs, d)
		}
	}
	return dirs, len(dirs) > 0
}

func (freebsdHost) Loaded() ([]bootset.LoadedFile, error) {
	out, err := exec.Command("kldstat", "-v").Output()
	if err != nil {
		return nil, usageErr("kldstat -v: %v", err)
	}
	return bootset.ParseKldstat("kldstat -v", bytes.NewReader(out))
}
