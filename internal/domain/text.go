package domain

import (
	"fmt"
	"unicode/utf8"
)

// Reasons TextProblem gives.
const (
	TextInvalidUTF8 = "text.utf8"
	TextControl     = "text.control_character"
)

// TextProblem says why s cannot be accepted as text from outside, or returns
// "" when it can: text must be valid UTF-8 and hold no control character
// other than tab, line feed and carriage return (C0, DEL and C1 are
// refused). PostgreSQL cannot store NUL at all and SQLite would keep it
// where some readers truncate; the other controls only serve to forge what a
// log, a terminal or a printed slip shows. Vietnamese text needs none of them.
func TextProblem(s string) (reason, description string) {
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f { // printable ASCII, the common case
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			return TextInvalidUTF8, fmt.Sprintf("is not valid UTF-8 (byte 0x%02x at offset %d)", c, i)
		case r == 0:
			return TextControl, fmt.Sprintf("contains a NUL character (U+0000) at offset %d, which cannot be stored", i)
		case r == '\t' || r == '\n' || r == '\r':
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			return TextControl, fmt.Sprintf("contains the control character U+%04X at offset %d", r, i)
		}
		i += size
	}
	return "", ""
}
