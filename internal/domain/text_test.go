package domain

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTextProblem(t *testing.T) {
	for _, c := range []struct {
		s, reason string
	}{
		{"", ""},
		{"Nguyễn Văn An", ""},
		{"dòng 1\ndòng 2\r\n\tthụt lề", ""},
		{"a\u00a0b", ""}, // no-break space is text
		{"\x00", TextControl},
		{"abc\x00", TextControl},
		{"\x1b[31m", TextControl},
		{"\x7f", TextControl},
		{"a\u0085b", TextControl},  // NEL, a C1 control
		{"\u009b31m", TextControl}, // CSI
		{"\xff", TextInvalidUTF8},
		{"Vi\xc3\x28t", TextInvalidUTF8},
		{"\xed\xa0\x80", TextInvalidUTF8}, // an encoded surrogate
	} {
		reason, desc := TextProblem(c.s)
		if reason != c.reason || (reason == "") != (desc == "") {
			t.Errorf("TextProblem(%q) = %q, %q; want reason %q", c.s, reason, desc, c.reason)
		}
	}
}

// TextProblem accepts exactly the valid UTF-8 without control characters
// other than tab, line feed and carriage return.
func FuzzTextProblem(f *testing.F) {
	for _, s := range []string{"", "Nguyễn Văn An", "a\x00b", "\xff", "\t\n\r", "\u0085", "\x7f", "\U0010ffff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		reason, desc := TextProblem(s)
		want := utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool {
			return (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || (r >= 0x7f && r < 0xa0)
		})
		if (reason == "") != want || (reason == "") != (desc == "") {
			t.Fatalf("TextProblem(%q) = %q, %q; acceptable: %v", s, reason, desc, want)
		}
	})
}
