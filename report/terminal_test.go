package report

import "testing"

func TestTerminalSafe(t *testing.T) {
	for in, want := range map[string]string{
		"plain name\n\tindented\n": "plain name\n\tindented\n",
		"x\x1b]0;pwned\x07y":       `x\x1b]0;pwned\x07y`,
		"a\x1b[2Jb":                `a\x1b[2Jb`,
		"over\rwrite":              `over\x0dwrite`,
		"bad\xffutf8":              `bad\xffutf8`,
		"c1\u009bz":                `c1\u009bz`,
		"del\x7f":                  `del\x7f`,
		"ünïcode ok":               "ünïcode ok",
	} {
		if got := terminalSafe(in); got != want {
			t.Errorf("terminalSafe(%q) = %q, want %q", in, got, want)
		}
	}
}
