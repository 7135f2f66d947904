package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
)

// kfunc is a function of the stand-in kernel. Its class is its signature:
// 0 long f(long, long), 1 void *f(void *, u_long), 2 int f(void *, const
// char *, ...) (printf-like), 3 void f(void *) (lock-like).
type kfunc struct {
	name  string
	class int
}

// module is one generated .ko.
type module struct {
	idx   int
	name  string
	lib   bool     // exports functions and VNET variables (EXPORT_SYMS=YES)
	ver   int      // MODULE_VERSION
	deps  []int    // indices of the library modules it MODULE_DEPENDs on
	kdeps []string // modules of the kernel it MODULE_DEPENDs on (pci, ether)
	// vnet and pcpu: it defines and uses VNET (DPCPU) variables.
	vnet, pcpu bool
	target     int // wanted .ko size in bytes
	units      int // generated units (functions, tables, records)
	// A library exports functions <name>_api<i> and VNET <name>_vst<i>.
	napi, nvst int
}

// plan is the whole corpus: modules and the stand-in kernel's symbols.
type plan struct {
	arch   string
	seed   uint64
	scale  int
	mods   []*module
	kfuncs []kfunc
	// Kernel variables: long NAME[8], int NAME, VNET_DEFINE(long,
	// NAME[4]) and DPCPU_DEFINE(long, NAME).
	kglobs, kints, kvnet, kpcpu []string
}

var (
	subsys = strings.Fields("bus mtx sx rw callout taskqueue ifnet mbuf sysctl uma vm dev ether crypto geom " +
		"usb pci intr kproc sched sema cv lockmgr vfs vnode namei ucred priv devfs kqueue selinfo tty " +
		"random counter epoch smr rman ofw hash")
	verbs = strings.Fields("alloc free init fini lock unlock get set start stop enqueue dequeue drain lookup " +
		"insert remove poll attach detach add del create destroy reset wakeup sleep acquire release map " +
		"unmap read write copy print")
	objs  = strings.Fields("res entry queue list buf desc ctx flags stat sync locked nowait")
	nouns = strings.Fields("count stats tunable debug max limit table hash zone list ticks gen mask head cache pool")
	words = strings.Fields("attach failed timeout reset link up down queue full no buffer space invalid state " +
		"device not ready interrupt storm firmware version mismatch retrying giving using default tunable " +
		"out of memory unsupported media descriptor ring stalled watchdog fired resource allocation error")
	modPrefixes = strings.Split("if_ if_ snd_ usb_ g_ ng_ ip_ vfs_ dev_ acpi_ hw_ crypto_    ", " ")
)

// newPlan draws the corpus for a seed: kernel symbol pools, module names and
// the shapes measured on a tree of real FreeBSD 15 amd64 modules
// (docs/performance.md, bench/corpus -describe): log-normal sizes (median 25
// KB, sigma 1.65, capped at 4 MB); a fifth of the modules are libraries,
// over half depending on an earlier one (chains up to six deep); 70% of the
// others depend on one to three libraries, the first ones most popular; many
// depend on the kernel's pci or ether; about one module in twelve uses VNET
// variables and one in sixty DPCPU ones.
func newPlan(arch string, scale int, seed uint64) *plan {
	r := rand.New(rand.NewPCG(seed, 0x6b6c64636865636b))
	p := &plan{arch: arch, seed: seed, scale: scale}
	taken := map[string]bool{"kernel": true}
	uniq := func(f func() string) string {
		for {
			if s := f(); !taken[s] {
				taken[s] = true
				return s
			}
		}
	}
	pick := func(l []string) string { return l[r.IntN(len(l))] }
	for i := range 800 + 100*scale {
		p.kfuncs = append(p.kfuncs, kfunc{uniq(func() string {
			s := pick(subsys) + "_" + pick(verbs)
			if r.IntN(3) == 0 {
				s += "_" + pick(objs)
			}
			return s
		}), i % 4})
	}
	vars := func(n int) (l []string) {
		for range n {
			l = append(l, uniq(func() string {
				if r.IntN(2) == 0 {
					return pick(subsys) + "_" + pick(objs) + "_" + pick(nouns)
				}
				return pick(subsys) + "_" + pick(nouns)
			}))
		}
		return l
	}
	p.kglobs, p.kints, p.kvnet, p.kpcpu = vars(150+20*scale), vars(50+5*scale), vars(24), vars(12)
	// Module names are used as C prefixes: none may start a kernel name.
	prefixes := map[string]bool{}
	for s := range taken {
		for parts, i := strings.Split(s, "_"), 1; i < len(parts); i++ {
			prefixes[strings.Join(parts[:i], "_")] = true
		}
	}
	n := 200 * scale
	for i := range n {
		name := uniq(func() string {
			s := pick(modPrefixes)
			for range 1 + r.IntN(3) {
				s += string(rune("bcdfghklmnprstvxz"[r.IntN(17)])) + string(rune("aeiou"[r.IntN(5)]))
			}
			if r.IntN(3) == 0 {
				s += string(rune('0' + r.IntN(10)))
			}
			if prefixes[s] {
				return "kernel" // taken: draw again
			}
			return s
		})
		size := math.Min(25600*math.Exp(1.65*r.NormFloat64()), 4<<20)
		p.mods = append(p.mods, &module{idx: i, name: name, ver: 1 + r.IntN(3), target: int(size),
			vnet: r.IntN(12) == 0, pcpu: r.IntN(60) == 0})
	}
	perm := r.Perm(n)
	libs, others := perm[:(n+2)/5], perm[(n+2)/5:]
	depth := map[int]int{}
	for j, i := range libs {
		m := p.mods[i]
		m.lib, m.napi = true, 6+r.IntN(11)
		if m.vnet {
			m.nvst = 2 + r.IntN(3)
		}
		// A library on an earlier one, keeping chains at most six deep.
		if d := j - 1 - r.IntN(max(j, 1)); j > 0 && r.IntN(5) < 3 && depth[libs[d]] < 5 {
			m.deps, depth[i] = []int{libs[d]}, depth[libs[d]]+1
		}
	}
	// Dependents pick libraries by a Zipf popularity: a few (usb, cam,
	// netgraph) have many.
	z := rand.NewZipf(r, 1.2, 4, uint64(len(libs)-1))
	for _, i := range others {
		m := p.mods[i]
		if r.IntN(10) < 7 {
			for k := range 1 + []int{0, 0, 0, 0, 0, 0, 1, 1, 1, 2}[r.IntN(10)] {
				if d := libs[z.Uint64()]; k == 0 || !slices.Contains(m.deps, d) {
					m.deps = append(m.deps, d)
				}
			}
		}
		if r.IntN(20) < 9 {
			m.kdeps = append(m.kdeps, "pci")
		}
		if r.IntN(4) == 0 {
			m.kdeps = append(m.kdeps, "ether")
		}
	}
	// A module using a library's VNET variables is a VNET user.
	for _, m := range p.mods {
		for _, d := range m.deps {
			m.vnet = m.vnet || p.mods[d].nvst > 0
		}
	}
	return p
}

// symbols returns corpus_syms.h: an X-macro call (corpus.h) for every
// function and variable of the stand-in kernel and every library export.
func (p *plan) symbols() string {
	var b strings.Builder
	for i, f := range p.kfuncs {
		fmt.Fprintf(&b, "KC_FN%d(%s, %d)\n", f.class, f.name, i)
	}
	for i, l := range [][]string{p.kglobs, p.kints, p.kvnet, p.kpcpu} {
		for _, v := range l {
			fmt.Fprintf(&b, "KC_%s(%s)\n", []string{"GLOB", "INT", "VNET", "PCPU"}[i], v)
		}
	}
	for _, m := range p.mods { // napi and nvst are 0 but for libraries
		for i := range m.napi {
			fmt.Fprintf(&b, "KC_LIBFN(%s_api%d)\n", m.name, i)
		}
		for i := range m.nvst {
			fmt.Fprintf(&b, "KC_LIBVNET(%s_vst%d)\n", m.name, i)
		}
		if m.lib && m.pcpu {
			fmt.Fprintf(&b, "KC_LIBPCPU(%s_pcpu)\n", m.name)
		}
	}
	return b.String()
}

// fmtString returns a printf format string literal, with its arguments
// (sc and err in scope) when args.
func fmtString(r *rand.Rand, args bool) string {
	var w []string
	for range 2 + r.IntN(5) {
		w = append(w, words[r.IntN(len(words))])
	}
	s := strings.Join(w, " ")
	f, a := [][2]string{{`"%s%d: ` + s + `\n"`, ", sc->desc, sc->unit"},
		{`"%s%d: ` + s + ` (error %ld)\n"`, ", sc->desc, sc->unit, err"},
		{`"` + s + `: unit %d\n"`, ", sc->unit"}, {`"` + s + `\n"`, ""}}[r.IntN(4)], ""
	if args {
		a = f[1]
	}
	return f[0] + a
}

// gen writes one module's C source.
type gen struct {
	p   *plan
	m   *module
	r   *rand.Rand
	z   *rand.Zipf
	b   strings.Builder
	fns []string // defined kc_fn_t functions, callable and tabled
	// The long lvalues V_x (VNET) and the DPCPU names it may use.
	vnets, pcpus []string
	n            int // unique suffix counter
}

// moduleSource generates module m with the given number of units.
func (p *plan) moduleSource(m *module, units int) string {
	r := rand.New(rand.NewPCG(p.seed, uint64(m.idx)+1))
	g := &gen{p: p, m: m, r: r, z: rand.NewZipf(r, 1.1, 8, uint64(len(p.kfuncs)-1))}
	nm := m.name
	g.f("/* Generated by bench/corpus: module %s, %d units. */\n#include \"kmod.h\"\n#include \"corpus.h\"\n\n", nm, units)
	g.f("KC_STATE(%s, %d);\n", nm, 2+r.IntN(7))
	// A few small VNET and DPCPU variables: module space is shared. V_x
	// macros for its own, its libraries' and some of the kernel's.
	vnet := func(name, index string) {
		g.f("#define V_%s VNET(%[1]s)\n", name)
		g.vnets = append(g.vnets, "V_"+name+index)
	}
	if m.vnet {
		for i := range 1 + r.IntN(3) {
			g.f("VNET_DEFINE_STATIC(long, %s_v%d[%d]);\n", nm, i, 1<<r.IntN(4))
			vnet(fmt.Sprintf("%s_v%d", nm, i), "[0]")
		}
		if r.IntN(2) == 0 {
			g.f("VNET_DEFINE(const char *, %s_vname) = \"%[1]s\";\n", nm)
		}
		for i := range m.nvst {
			g.f("VNET_DEFINE(long, %s_vst%d) = %d;\n", nm, i, i)
		}
		for range r.IntN(3) {
			vnet(p.kvnet[r.IntN(len(p.kvnet))], fmt.Sprintf("[%d]", r.IntN(4)))
		}
	}
	if m.pcpu {
		for i := range 1 + r.IntN(2) {
			g.f("DPCPU_DEFINE_STATIC(long, %s_pc%d);\n", nm, i)
			g.pcpus = append(g.pcpus, fmt.Sprintf("%s_pc%d", nm, i))
		}
		if m.lib {
			g.f("DPCPU_DEFINE(long, %s_pcpu);\n", nm)
		}
		if r.IntN(2) == 0 {
			g.pcpus = append(g.pcpus, p.kpcpu[r.IntN(len(p.kpcpu))])
		}
	}
	for _, l := range m.deps {
		for i := range p.mods[l].nvst {
			vnet(fmt.Sprintf("%s_vst%d", p.mods[l].name, i), "")
		}
		if p.mods[l].pcpu && m.pcpu {
			g.pcpus = append(g.pcpus, p.mods[l].name+"_pcpu")
		}
	}
	// The variable the event handler sets: a VNET one when it has any.
	setv := nm + "_stats[0]"
	if len(g.vnets) > 0 {
		setv = g.vnets[0]
	}
	g.f("\n")
	for range units {
		g.unit()
	}
	for i := range m.napi {
		g.function(fmt.Sprintf("%s_api%d", nm, i), false)
	}
	g.f("KC_MODULE(%s, %d, %s, %s);\n", nm, m.ver, setv, g.fns[0])
	for _, d := range m.deps {
		g.f("MODULE_DEPEND(%s, %s, 1, %d, 3);\n", nm, p.mods[d].name, p.mods[d].ver)
	}
	for _, d := range m.kdeps {
		g.f("MODULE_DEPEND(%s, %s, 1, 1, 1);\n", nm, d)
	}
	return g.b.String()
}

// f appends formatted text.
func (g *gen) f(format string, a ...any) { fmt.Fprintf(&g.b, format, a...) }

// id returns a fresh identifier with the module's prefix.
func (g *gen) id(kind string) string {
	g.n++
	return fmt.Sprintf("%s_%s%d", g.m.name, kind, g.n)
}

// kcall returns a call of a kernel function chosen by a Zipf popularity.
func (g *gen) kcall() string {
	f := g.p.kfuncs[g.z.Uint64()]
	switch f.class {
	case 0:
		return fmt.Sprintf("err += %s(arg, sc->stats[%d]);", f.name, g.r.IntN(8))
	case 1:
		return fmt.Sprintf("sc->res = %s(sc->res, (u_long)arg + %d);", f.name, g.r.IntN(64))
	case 2:
		return fmt.Sprintf("err |= %s(sc, %s);", f.name, fmtString(g.r, true))
	}
	return fmt.Sprintf("%s(&sc->stats[%d]);", f.name, g.r.IntN(8))
}

// stmt returns one statement; sc, arg and err are in scope. About a third
// only compute, the rest call or reach a global, as driver code does.
func (g *gen) stmt(depth int) (s string) {
	r, p, t := g.r, g.p, strings.Repeat("\t", depth)
	defer func() { s = t + strings.ReplaceAll(s, "\n", "\n"+t) }() // indent every line
	a, b, c := r.IntN(8), r.IntN(8), 1+r.IntN(13)
	switch k := r.IntN(150); {
	case k < 10:
		return fmt.Sprintf("if (sc->stats[%d] > arg)\n\tsc->stats[%d] -= arg;\nelse\n\terr ^= sc->stats[%d] >> %d;", a, a, b, c)
	case k < 20:
		return fmt.Sprintf("arg = (arg << %d) ^ (arg >> %d) ^ (long)sc->flags;", c, 64-c)
	case k < 30:
		return fmt.Sprintf("err += (sc->stats[%d] * %d + arg) / %d;", a, 3+r.IntN(1000), 3+r.IntN(97))
	case k < 40:
		return fmt.Sprintf("for (int i = 0; i < %d; i++)\n\terr += sc->stats[i & 7] * (i + %d);", 2+r.IntN(14), c)
	case k < 50:
		return fmt.Sprintf("sc->stats[%d] = (sc->stats[%d] & 0x%x) | ((arg & 0xff) << %d);", a, b, 1<<c-1, c)
	case k < 105:
		return g.kcall()
	case k < 111:
		return "printf(" + fmtString(r, true) + ");"
	case k < 116:
		return fmt.Sprintf("sc->stats[%d] += %s[%d];", a, p.kglobs[r.IntN(len(p.kglobs))], b)
	case k < 119:
		return fmt.Sprintf("if (%s)\n\targ++;", p.kints[r.IntN(len(p.kints))])
	case k < 126 && len(g.fns) > 1: // any but the last, the function being written
		return fmt.Sprintf("err += %s(sc, arg + %d);", g.fns[r.IntN(len(g.fns)-1)], c)
	case k < 129:
		return fmt.Sprintf("%s_stats[%d] += err;", g.m.name, r.IntN(32))
	case k < 136 && len(g.m.deps) > 0:
		l := p.mods[g.m.deps[r.IntN(len(g.m.deps))]]
		return fmt.Sprintf("err += %s_api%d(sc, arg);", l.name, r.IntN(l.napi))
	case k < 141 && len(g.vnets) > 0:
		return fmt.Sprintf("%s += arg;", g.vnets[r.IntN(len(g.vnets))])
	case k < 145 && len(g.pcpus) > 0:
		return fmt.Sprintf("DPCPU_GET(%s) += err;", g.pcpus[r.IntN(len(g.pcpus))])
	}
	return fmt.Sprintf("sc->flags |= 0x%x;", 1<<r.IntN(16))
}

// open starts a kc_fn_t function with extra declarations, records it and
// returns its name; static ones are kept (__used) though nothing calls them.
func (g *gen) open(name string, static bool, decls string) string {
	if static {
		g.f("static __used ")
	}
	g.f("long\n%s(struct kc_softc *sc, long arg)\n{\n\tlong err = 0;\n%s\n", name, decls)
	g.fns = append(g.fns, name)
	return name
}

// function defines a kc_fn_t function of several statements.
func (g *gen) function(name string, static bool) {
	g.open(name, static, "")
	for range 2 + g.r.IntN(7) {
		if g.r.IntN(6) == 0 {
			g.f("\tif (err != 0) {\n%s\n\t\treturn (err);\n\t}\n", g.stmt(2))
		} else {
			g.f("%s\n", g.stmt(1))
		}
	}
	g.f("\treturn (err);\n}\n\n")
}

// unit emits one unit: a function, a table or linker-set records.
func (g *gen) unit() {
	r, nm := g.r, g.m.name
	const end = "\treturn (err);\n}\n\n"
	switch k := r.IntN(100); {
	case k < 40 || len(g.fns) < 2 || k < 62 && (len(g.vnets) == 0 || len(g.pcpus) == 0):
		g.function(g.id("fn"), r.IntN(10) < 7)
	case k < 52: // dense switch: a jump table
		g.open(g.id("ioctl"), true, "")
		g.f("\tswitch (arg) {\n")
		base := r.IntN(4) * 16
		for c := range 6 + r.IntN(19) {
			g.f("\tcase %d:\n%s\n\t\tbreak;\n", base+c, g.stmt(2))
		}
		g.f("\tdefault:\n\t\terr = 22;\n\t}\n" + end)
	case k < 62 && len(g.vnets) > 0 && len(g.pcpus) > 0: // VNET and DPCPU accessors
		pc := g.pcpus[r.IntN(len(g.pcpus))]
		g.open(g.id("vnet"), true, "")
		g.f("\terr += %s;\n\t%s = arg + sc->unit;\n", g.vnets[r.IntN(len(g.vnets))], g.vnets[r.IntN(len(g.vnets))])
		g.f("\tDPCPU_SET(%s, DPCPU_GET(%[1]s) + 1);\n\terr += DPCPU_ID_GET(0, %s);\n%s\n"+end,
			pc, g.pcpus[r.IntN(len(g.pcpus))], g.stmt(1))
	case k < 70: // ops vector: absolute pointers in data
		g.f("static %s__used struct kc_ops %s = { \"%s\", %d, {", []string{"", "const "}[r.IntN(2)], g.id("ops"), g.id("m"), r.IntN(5))
		for i := range 2 + r.IntN(11) {
			g.f("%s %s", []string{"", ","}[min(i, 1)], g.fns[r.IntN(len(g.fns))])
		}
		g.f(" } };\n\n")
	case k < 82: // sysctl-like records in a linker set
		for range 1 + r.IntN(4) {
			arg := fmt.Sprintf("&%s_stats[%d]", nm, r.IntN(32))
			if r.IntN(3) == 0 {
				arg = fmt.Sprintf("&%s[%d]", g.p.kglobs[r.IntN(len(g.p.kglobs))], r.IntN(8))
			}
			h := "NULL"
			if r.IntN(2) == 0 {
				h = g.fns[r.IntN(len(g.fns))]
			}
			id := g.id("")
			g.f("KC_OID(%s, %s, \"%s\", %s, %d, %s, %s);\n", nm, id[len(nm)+1:], id, arg, r.IntN(8), fmtString(r, false), h)
		}
		g.f("\n")
	case k < 87: // walk the instances
		g.open(g.id("walk"), true, "\tint i;\n")
		g.f("\tfor (sc = %s_head; sc != NULL; sc = sc->next) {\n%s\n%s\n\t}\n", nm, g.stmt(2), g.stmt(2))
		g.f("\tfor (i = 0; i < NSC; i++) {\n\t\tsc = &%s_sc[i];\n%s\n\t}\n"+end, nm, g.stmt(2))
	case k < 92: // more plain functions: real modules' code is mostly calls
		g.function(g.id("fn"), r.IntN(10) < 7)
	case k < 96: // string table
		tab, n := g.id("msgs"), 2<<r.IntN(3)
		g.f("static const char *const %s[] = {", tab)
		for range n {
			g.f("\n\t%s,", fmtString(r, false))
		}
		g.f("\n};\n\n")
		g.open(g.id("msg"), true, "")
		g.f("\tprintf(\"%%s%%d: %%s\", sc->desc, sc->unit, %s[arg & %d]);\n%s\n"+end, tab, n-1, g.stmt(1))
	default: // allocate an instance
		cb := g.fns[r.IntN(len(g.fns))]
		g.open(g.id("new"), true, "\tstruct kc_softc *n;\n")
		g.f("\tn = malloc(sizeof(*n), M_TEMP, M_WAITOK | M_ZERO);\n\tn->unit = (int)arg;\n\tn->cb = %s;\n", cb)
		g.f("\tn->next = %s_head;\n\t%[1]s_head = n;\n%s\n\tif (arg < 0)\n\t\tfree(n, M_TEMP);\n"+end, nm, g.stmt(1))
	}
}
