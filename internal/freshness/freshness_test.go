package freshness

import (
	"errors"
	"strings"
	"testing"
)

func TestTokenRoundTrip(t *testing.T) {
	for _, lsn := range []uint64{1, 0x16B374D848, ^uint64(0)} {
		tok := Token{LSN: lsn}
		got, err := Parse(tok.String())
		if err != nil || got != tok {
			t.Fatalf("Parse(%q) = %v, %v; want %v", tok.String(), got, err, tok)
		}
	}
}

func TestParseRefusesMalformed(t *testing.T) {
	good := Token{LSN: 0x1234567}.String()
	flipped := []byte(good)
	flipped[5] ^= 1
	if flipped[5] == '-' || flipped[5] == '_' {
		flipped[5] = 'A'
	}
	for name, s := range map[string]string{
		"empty":     "",
		"not b64":   "!!!",
		"truncated": good[:len(good)-2],
		"longer":    good + "AA",
		"flipped":   string(flipped),
		"version":   Token{}.String()[:0] + "Ag",
		"huge":      strings.Repeat("A", 100),
		"zero":      Token{}.String(),
	} {
		if _, err := Parse(s); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: Parse(%q) = %v, want ErrMalformed", name, s, err)
		}
	}
}

func TestLSNText(t *testing.T) {
	for _, s := range []string{"0/0", "16/b374d848", "ffffffff/ffffffff"} {
		n, err := ParseLSN(s)
		if err != nil || FormatLSN(n) != s {
			t.Fatalf("%s: %x %v %s", s, n, err, FormatLSN(n))
		}
	}
	if n, _ := ParseLSN("16/B374D848"); n != 0x16B374D848 {
		t.Fatalf("got %x", n)
	}
	for _, s := range []string{"", "16", "x/1", "1/100000000"} {
		if _, err := ParseLSN(s); err == nil {
			t.Errorf("ParseLSN(%q) accepted", s)
		}
	}
}

func TestSinkKeepsTheLargest(t *testing.T) {
	var s Sink
	if _, ok := s.Token(); ok {
		t.Fatal("empty sink has a token")
	}
	s.Record(5)
	s.Record(3)
	if tok, ok := s.Token(); !ok || tok.LSN != 5 {
		t.Fatalf("got %v %v", tok, ok)
	}
}
