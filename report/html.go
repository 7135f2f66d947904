package report

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"path/filepath"
	"strings"

	"github.com/kldcheck/kldcheck/linker"
	"github.com/kldcheck/kldcheck/rules"
	"github.com/kldcheck/kldcheck/scan"
	"github.com/kldcheck/kldcheck/vdata"
)

//go:embed templates/page.html
var pageTemplate string

var page = template.Must(template.New("page").Funcs(template.FuncMap{"plural": plural}).Parse(pageTemplate))

// Geometry of a module-space bar in the page's SVG, in pixels.
const barX, barW, barH = 10.0, 900.0, 28.0

// htmlPage is what templates/page.html draws.
type htmlPage struct {
	Title, Profile, Kernel string
	Maps                   []htmlMap
	Findings               []FindingJSON
	Modules                []ScanModule // scan only
	Counts                 map[string]int
	// Changes and FindingsTitle are diff's: the changed references
	// ("module: where: variable: old -> new"), and a heading for the
	// findings shown (the new ones).
	Changes       []string
	FindingsTitle string
}

// htmlMap is one simulated kernel's module space: for load, the kernel
// after every load; for scan, the kernel one module was checked in.
type htmlMap struct {
	Caption string
	Bars    []htmlBar
}

// htmlBar draws one master set (set_vnet or set_pcpu): the kernel's own
// variables, each module's range of module space, the free room, and where
// mis-redirected references point against where they should.
type htmlBar struct {
	Kind, SetName string
	Start, Stop   string
	ModStart      string
	ModSize, Free uint64
	Segments      []htmlSeg
	Markers       []htmlMarker
	Outside       []htmlMarker // actual addresses outside the master set
	Allocs        []htmlSeg    // the modules' ranges, for the key below the bar
	Height        float64
}

type htmlSeg struct {
	X, W         float64
	Class, Label string
	Title        string
}

type htmlMarker struct {
	X            float64
	Class, Title string
}

// WriteLoadHTML writes the page of `kldcheck load --format html`.
func WriteLoadHTML(w io.Writer, l *linker.Linker) error {
	p := htmlPage{Title: "kldcheck load", Profile: l.Profile.Name, Findings: NewCheck(l.Profile.Name, l.Findings).Findings,
		Counts: severityCounts(l.Findings)}
	if l.Kernel != nil {
		p.Kernel = l.Kernel.Obj.Path
	}
	p.Maps = []htmlMap{{Caption: fmt.Sprintf("%d files loaded", len(l.Files)), Bars: bars(l.Spaces, l.Findings)}}
	return page.Execute(w, p)
}

// WriteScanHTML writes the page of `kldcheck scan --format html`: the summary
// table, and the module space of every module whose check found a problem
// with per-instance data.
func WriteScanHTML(w io.Writer, r *scan.Result) error {
	all := r.AllFindings()
	doc := NewScan(r)
	p := htmlPage{Title: "kldcheck scan", Profile: r.Profile.Name, Kernel: r.Kernel, Findings: doc.Findings,
		Modules: doc.Modules, Counts: severityCounts(all)}
	for _, m := range r.Modules {
		if m.Spaces == nil || !touchesSets(m.Findings) {
			continue
		}
		p.Maps = append(p.Maps, htmlMap{Caption: filepath.Base(m.Path) + " loaded with its dependencies", Bars: bars(m.Spaces, m.Findings)})
	}
	return page.Execute(w, p)
}

func touchesSets(fs []rules.Finding) bool {
	for _, f := range fs {
		switch f.Rule {
		case rules.SetRefUnrelocated, rules.SetRefPCRel, rules.ModspaceExhausted:
			return true
		}
	}
	return false
}

func severityCounts(fs []rules.Finding) map[string]int {
	c := map[string]int{"error": 0, "warning": 0, "note": 0}
	for _, f := range fs {
		c[f.Severity.String()]++
	}
	return c
}

// bars lays out one bar per master set, VNET first.
func bars(spaces map[vdata.Kind]*vdata.Space, fs []rules.Finding) []htmlBar {
	var out []htmlBar
	for _, k := range []vdata.Kind{vdata.VNET, vdata.DPCPU} {
		sp := spaces[k]
		if sp == nil || sp.Stop <= sp.Start {
			continue
		}
		out = append(out, bar(k, sp, fs))
	}
	return out
}

// piece is one stretch of a master set: the kernel's part, a module's
// range, or free module space.
type piece struct {
	from, to     uint64
	class, label string
	title        string
	x, w         float64
}

// minPieceW is the narrowest a kernel or module stretch is drawn, so that a
// 48-byte set beside 32 KiB of free space stays visible.
const minPieceW = 48.0

// layout gives each piece a width growing with the square root of its size,
// at least minPieceW for kernel and module stretches, the bar's width in all:
// a schematic map, with addresses interpolated inside each piece.
func layout(ps []piece) {
	var total float64
	for i := range ps {
		ps[i].w = math.Sqrt(float64(ps[i].to - ps[i].from))
		total += ps[i].w
	}
	var fixed, flexible float64
	for i := range ps {
		ps[i].w *= barW / total
		if ps[i].class != "free" && ps[i].w < minPieceW {
			ps[i].w = minPieceW
			fixed += ps[i].w
		} else {
			flexible += ps[i].w
		}
	}
	if scale := (barW - fixed) / flexible; flexible > 0 && scale < 1 {
		for i := range ps {
			if ps[i].class == "free" || ps[i].w > minPieceW {
				ps[i].w *= max(scale, 0)
			}
		}
	}
	x := barX
	for i := range ps {
		ps[i].x = x
		x += ps[i].w
	}
}

func bar(k vdata.Kind, sp *vdata.Space, fs []rules.Finding) htmlBar {
	b := htmlBar{Kind: k.String(), SetName: k.SetName(), Start: hex(sp.Start), Stop: hex(sp.Stop),
		ModStart: hex(sp.ModStart), ModSize: sp.ModSize, Free: sp.FreeBytes(), Height: barH}
	var ps []piece
	add := func(from, to uint64, class, label, title string) {
		if to > from {
			ps = append(ps, piece{from: from, to: to, class: class, label: label, title: title})
		}
	}
	add(sp.Start, sp.ModStart, "kernel", "kernel", fmt.Sprintf("the kernel's own %s variables: %#x-%#x", k, sp.Start, sp.ModStart))
	cursor, end := sp.ModStart, sp.ModStart+sp.ModSize
	for i, a := range sp.Allocs() {
		add(cursor, a.Addr, "free", "free", fmt.Sprintf("free module space: %#x-%#x, %d bytes", cursor, a.Addr, a.Addr-cursor))
		add(a.Addr, a.Addr+a.Size, fmt.Sprintf("mod mod%d", i%6), a.Owner, fmt.Sprintf("%s: %#x-%#x, %d bytes", a.Owner, a.Addr, a.Addr+a.Size, a.Size))
		cursor = a.Addr + a.Size
	}
	add(cursor, end, "free", "free", fmt.Sprintf("free module space: %#x-%#x, %d bytes", cursor, end, end-cursor))
	add(end, sp.Stop, "kernel", "kernel", fmt.Sprintf("the rest of the kernel's set: %#x-%#x", end, sp.Stop))
	layout(ps)
	for _, p := range ps {
		label := p.label
		if float64(len(label))*7+6 > p.w {
			label = ""
		}
		seg := htmlSeg{X: p.x, W: p.w, Class: p.class, Label: label, Title: p.title}
		b.Segments = append(b.Segments, seg)
		if strings.HasPrefix(p.class, "mod ") {
			b.Allocs = append(b.Allocs, seg)
		}
	}
	x := func(a uint64) float64 {
		for _, p := range ps {
			if a >= p.from && a < p.to {
				return p.x + p.w*float64(a-p.from)/float64(p.to-p.from)
			}
		}
		return barX + barW
	}
	for _, f := range fs {
		if !f.HasAddrs || !sp.InMaster(f.Expected) {
			continue
		}
		what := f.Symbol
		if f.Location != "" {
			what = filepath.Base(f.File) + " " + f.Location + " (" + f.Symbol + ")"
		}
		b.Markers = append(b.Markers, htmlMarker{X: x(f.Expected), Class: "expected",
			Title: fmt.Sprintf("%s should reach %#x", what, f.Expected)})
		m := htmlMarker{Class: "actual", Title: fmt.Sprintf("%s reaches %#x instead", what, f.Actual)}
		if sp.InMaster(f.Actual) {
			m.X = x(f.Actual)
			b.Markers = append(b.Markers, m)
		} else {
			b.Outside = append(b.Outside, m)
		}
	}
	return b
}
