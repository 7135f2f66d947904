package bootset

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// Preload is one module the loader loads before the kernel starts.
type Preload struct {
	// Module is the name in loader.conf (X of X_load="YES"); File is the
	// file to load: X_name when set, else X.
	Module, File string
	// Type is X_type ("" for a kernel module; the loader also preloads
	// md_image, cpu_microcode, ... which are not linked).
	Type string
	// Where is the file and line of X_load.
	Where string
}

// Conf is what the loader.conf and rc.conf files given say, in order.
type Conf struct {
	Preloads []Preload
	// ModulePath is module_path (";"-separated), "" when unset.
	ModulePath string
	// Kernel is kernel (the directory under /boot holding the kernel),
	// "" when unset.
	Kernel string
	// KldList is rc.conf's kld_list, in order.
	KldList []string
	vars    map[string]string
	order   []string // X of each X_load, in first-appearance order
	where   map[string]string
}

// maxConf bounds a configuration file read.
const maxConf = 4 << 20

// An assignment: name="value" or name=value, with an optional trailing
// comment (loader.conf(5); rc.conf is sh(1), of which kldcheck reads only
// plain assignments).
var reAssign = regexp.MustCompile(`^\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*("(?:[^"\\]|\\.)*"|'[^']*'|[^\s#]*)\s*(?:#.*)?$`)

// ReadLoaderConf adds a loader.conf file's settings, as the loader reads
// loader.conf, then loader.conf.d/*.conf, then loader.conf.local: a later
// setting of a variable wins (stand/defaults/loader.conf, loader.conf(5)).
func (c *Conf) ReadLoaderConf(name string, r io.Reader) error {
	return c.read(name, r, false)
}

// ReadRCConf adds an rc.conf file's kld_list (and nothing else): rc.conf is
// a shell script; kldcheck reads its plain assignments and expands
// ${kld_list} / $kld_list in them, as `kld_list="${kld_list} x"` does.
func (c *Conf) ReadRCConf(name string, r io.Reader) error {
	return c.read(name, r, true)
}

func (c *Conf) read(name string, r io.Reader, rc bool) error {
	if c.vars == nil {
		c.vars, c.where = map[string]string{}, map[string]string{}
	}
	sc := bufio.NewScanner(io.LimitReader(r, maxConf))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		m := reAssign.FindStringSubmatch(line)
		if m == nil {
			if rc {
				continue // shell the reader does not model (functions, if ...)
			}
			return fmt.Errorf("%s:%d: not a loader.conf assignment: %q", name, n, clip(line))
		}
		key, val := m[1], unquote(m[2])
		where := fmt.Sprintf("%s:%d", name, n)
		if rc {
			if key == "kld_list" {
				old := strings.Join(c.KldList, " ")
				val = strings.NewReplacer("${kld_list}", old, "$kld_list", old).Replace(val)
				c.KldList = strings.Fields(val)
			}
			continue
		}
		c.set(key, val, where)
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: %v", name, err)
	}
	c.build()
	return nil
}

func unquote(v string) string {
	if len(v) >= 2 && (v[0] == '"' && v[len(v)-1] == '"' || v[0] == '\'' && v[len(v)-1] == '\'') {
		v = v[1 : len(v)-1]
	}
	return strings.ReplaceAll(v, `\"`, `"`)
}

func (c *Conf) set(key, val, where string) {
	c.vars[key] = val
	if mod, ok := strings.CutSuffix(key, "_load"); ok && mod != "" {
		if _, seen := c.where[mod]; !seen {
			c.order = append(c.order, mod)
		}
		c.where[mod] = where
	}
}

// build recomputes the preloads and settings from the variables.
func (c *Conf) build() {
	c.Preloads = nil
	for _, mod := range c.order {
		if !strings.EqualFold(c.vars[mod+"_load"], "YES") {
			continue
		}
		p := Preload{Module: mod, File: mod, Type: c.vars[mod+"_type"], Where: c.where[mod]}
		if f := c.vars[mod+"_name"]; f != "" {
			p.File = f
		}
		c.Preloads = append(c.Preloads, p)
	}
	c.ModulePath, c.Kernel = c.vars["module_path"], c.vars["kernel"]
}

// IsModule reports whether the loader links this preload into the kernel
// (an ELF module) rather than handing it over as data (md_image,
// cpu_microcode, boot_entropy_cache, ...).
func (p Preload) IsModule() bool {
	switch strings.ToLower(p.Type) {
	case "", "elf module", "elf obj module", "elf kernel", "elf64 module":
		return true
	}
	return false
}
